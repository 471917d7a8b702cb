package io.fastwebsockets.internal.server;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A set of objects that each know their place in it: an array of slots, each member holding the index of its own
 * (its {@link Member} superclass's one {@code int}). The embedded server's open connections live here: a
 * {@code ConcurrentHashMap} key set costs one 32-byte node per member plus its share of the table, this one 4 bytes
 * of array per slot and nothing per member (the index fits in the member's alignment padding).
 *
 * <p>{@link #add} takes a free slot (the one freed last first, else the next never used one, else the array doubles);
 * {@link #remove} clears the member's slot and keeps the index for the next add. Both take a lock: they run once per
 * connection, not per message. {@link #contains}, {@link #size} and iteration take none. Iteration is weakly
 * consistent, like a concurrent collection's: it never fails, sees every member present for the whole iteration, and
 * may or may not see one added or removed meanwhile. The array never shrinks (nor does a {@code ConcurrentHashMap}'s
 * table).
 *
 * <p>A member belongs to at most one set, once: it is never added again after it has been removed.
 *
 * @param <T> the members' type
 */
public final class SlotSet<T extends SlotSet.Member> implements Iterable<T> {
    /** What a member of a {@link SlotSet} extends: the index of its slot. */
    public abstract static class Member {
        // -1 until added; then the slot's index, kept after removal (the slot no longer holds this member then).
        // Written by add, before the member is published in its slot, so whoever reads the member from the array
        // reads the index too.
        private int slot = -1;

        /** A member not in any set yet. */
        protected Member() {
        }
    }

    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(Member[].class);
    private static final int INITIAL_CAPACITY = 16;

    private final ReentrantLock lock = new ReentrantLock();
    private volatile Member[] slots = new Member[INITIAL_CAPACITY];
    private volatile int size;
    // The lock's holder only: slots [0, used) have been handed out at least once; the free ones among them, a stack
    private int used;
    private int[] free = new int[INITIAL_CAPACITY];
    private int freeCount;

    /** An empty set. */
    public SlotSet() {
    }

    /**
     * Adds a member that has never been in a set.
     *
     * @param added the member
     * @throws IllegalStateException if it has been added before
     */
    public void add(T added) {
        Member member = added; // (a private field is not reached through a type variable)
        lock.lock();
        try {
            if (member.slot != -1) {
                throw new IllegalStateException("already added (slot " + member.slot + ")");
            }
            Member[] s = slots;
            int i;
            if (freeCount > 0) {
                i = free[--freeCount];
            } else {
                if (used == s.length) {
                    s = java.util.Arrays.copyOf(s, s.length * 2);
                    slots = s; // members stay where they were: an iteration over the old array misses none of them
                }
                i = used++;
            }
            member.slot = i;
            SLOTS.setRelease(s, i, member); // after the index: a reader of the slot sees it
            size++; // a volatile write under the lock: no update is lost
        } finally {
            lock.unlock();
        }
    }

    /**
     * Removes a member, if it is here; its slot is then free for the next {@link #add}.
     *
     * @param removed the member
     * @return whether it was here (a second removal of the same member returns {@code false})
     */
    public boolean remove(T removed) {
        Member member = removed;
        lock.lock();
        try {
            int i = member.slot;
            Member[] s = slots;
            if (i < 0 || i >= s.length || s[i] != member) { // never added, or another set's member
                return false;
            }
            SLOTS.setRelease(s, i, null);
            if (freeCount == free.length) {
                free = java.util.Arrays.copyOf(free, free.length * 2); // never more than the slots
            }
            free[freeCount++] = i;
            size--;
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * @param member a member read from this set, or added by the calling thread
     * @return whether it is in the set now
     */
    public boolean contains(T member) {
        int i = ((Member) member).slot;
        Member[] s = slots;
        return i >= 0 && i < s.length && SLOTS.getAcquire(s, i) == member;
    }

    /** {@return how many members the set holds now} */
    public int size() {
        return size;
    }

    /** {@return the slots the array has now, free or not (for tests)} */
    int capacity() {
        return slots.length;
    }

    /** {@return the members, weakly consistent (see the class comment); {@code remove} is not supported} */
    @Override
    public Iterator<T> iterator() {
        Member[] s = slots;
        return new Iterator<>() {
            private int index;
            private Member next = advance();

            private Member advance() {
                while (index < s.length) {
                    Member m = (Member) SLOTS.getAcquire(s, index++);
                    if (m != null) {
                        return m;
                    }
                }
                return null;
            }

            @Override
            public boolean hasNext() {
                return next != null;
            }

            @Override
            @SuppressWarnings("unchecked") // only T is ever put in a slot
            public T next() {
                Member m = next;
                if (m == null) {
                    throw new NoSuchElementException();
                }
                next = advance();
                return (T) m;
            }
        };
    }
}
