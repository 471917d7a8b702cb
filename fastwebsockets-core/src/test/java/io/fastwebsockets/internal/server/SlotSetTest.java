package io.fastwebsockets.internal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class SlotSetTest {
    static final class Item extends SlotSet.Member {
        final int id;

        Item(int id) {
            this.id = id;
        }

        @Override
        public String toString() {
            return "item " + id;
        }
    }

    private static List<Item> items(int count) {
        List<Item> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            list.add(new Item(i));
        }
        return list;
    }

    private static Set<Item> iterated(SlotSet<Item> set) {
        Set<Item> seen = new HashSet<>();
        for (Item item : set) {
            assertTrue(seen.add(item), item + " iterated twice");
        }
        return seen;
    }

    @Test
    void addedMembersAreContainedCountedAndIteratedAndRemovedOnesAreNot() {
        SlotSet<Item> set = new SlotSet<>();
        List<Item> all = items(5);
        all.forEach(set::add);
        assertTrue(set.remove(all.get(1)));
        assertTrue(set.remove(all.get(3)));

        assertEquals(3, set.size());
        assertEquals(Set.of(all.get(0), all.get(2), all.get(4)), iterated(set));
        assertTrue(set.contains(all.get(0)));
        assertFalse(set.contains(all.get(1)));
        assertFalse(set.contains(new Item(99)), "never added");
    }

    @Test
    void aSecondRemovalOfTheSameMemberChangesNothing() {
        SlotSet<Item> set = new SlotSet<>();
        Item a = new Item(0);
        Item b = new Item(1);
        set.add(a);
        assertTrue(set.remove(a));
        set.add(b); // takes a's freed slot
        assertFalse(set.remove(a), "a is gone; its old slot holds b now");
        assertTrue(set.contains(b));
        assertEquals(1, set.size());
        assertFalse(set.remove(new Item(2)), "never added");
    }

    @Test
    void anotherSetsMemberIsNeitherRemovedNorFound() {
        SlotSet<Item> big = new SlotSet<>();
        List<Item> many = items(big.capacity() * 4);
        many.forEach(big::add);
        Item farOut = many.get(many.size() - 1); // its slot is past the end of a new set's array
        SlotSet<Item> small = new SlotSet<>();
        small.add(new Item(-1));
        assertFalse(small.remove(farOut));
        assertFalse(small.contains(farOut));
        assertFalse(small.remove(many.get(0)), "slot 0 holds the small set's own member");
        assertEquals(1, small.size());
        assertTrue(big.contains(farOut));
    }

    @Test
    void aMemberCannotBeAddedTwice() {
        SlotSet<Item> set = new SlotSet<>();
        Item a = new Item(0);
        set.add(a);
        assertThrows(IllegalStateException.class, () -> set.add(a));
        set.remove(a);
        assertThrows(IllegalStateException.class, () -> set.add(a), "nor after its removal");
        assertEquals(0, set.size());
    }

    @Test
    void freedSlotsAreTakenBeforeTheArrayGrows() {
        SlotSet<Item> set = new SlotSet<>();
        int capacity = set.capacity();
        List<Item> first = items(capacity);
        first.forEach(set::add);
        for (int i = 0; i < capacity; i += 2) {
            set.remove(first.get(i));
        }
        List<Item> second = items(capacity / 2);
        second.forEach(set::add);

        assertEquals(capacity, set.capacity(), "the freed slots were reused, the array did not grow");
        assertEquals(capacity, set.size());
        Set<Item> expected = new HashSet<>(second);
        for (int i = 1; i < capacity; i += 2) {
            expected.add(first.get(i));
        }
        assertEquals(expected, iterated(set));
    }

    @Test
    void theArrayGrowsAndKeepsEveryMember() {
        SlotSet<Item> set = new SlotSet<>();
        int capacity = set.capacity();
        List<Item> all = items(capacity * 4 + 1);
        all.forEach(set::add);

        assertEquals(capacity * 8, set.capacity());
        assertEquals(all.size(), set.size());
        assertEquals(new HashSet<>(all), iterated(set));
        all.forEach(item -> assertTrue(set.contains(item)));
    }

    @Test
    void anIteratorSkipsFreedSlotsAndEndsWithNoSuchElement() {
        SlotSet<Item> set = new SlotSet<>();
        assertFalse(set.iterator().hasNext());
        List<Item> all = items(3);
        all.forEach(set::add);
        set.remove(all.get(0));
        set.remove(all.get(2));
        Iterator<Item> it = set.iterator();
        assertTrue(it.hasNext());
        assertEquals(all.get(1), it.next());
        assertFalse(it.hasNext());
        assertThrows(NoSuchElementException.class, it::next);
    }

    @Test
    void anIterationSeesEveryMemberPresentThroughoutWhileTheArrayGrowsUnderIt() {
        SlotSet<Item> set = new SlotSet<>();
        List<Item> kept = items(10);
        kept.forEach(set::add);
        Set<Item> seen = new HashSet<>();
        int added = 0;
        for (Item item : set) {
            seen.add(item);
            for (int i = 0; i < 20; i++) { // growing the array twice, members removed meanwhile
                Item extra = new Item(1000 + added++);
                set.add(extra);
                set.remove(extra);
            }
            set.add(new Item(5000 + added++));
        }
        assertTrue(seen.containsAll(kept), "every member present throughout was iterated: " + seen);
    }

    // Many threads add and remove at once (as connections are accepted on one thread and end on many): no member is
    // lost or counted twice, and every slot freed is found again.
    @Test
    void concurrentAddsAndRemovesKeepTheSetExact() throws Exception {
        SlotSet<Item> set = new SlotSet<>();
        int threads = 8;
        int rounds = 2000;
        CyclicBarrier start = new CyclicBarrier(threads);
        CountDownLatch done = new CountDownLatch(threads);
        List<List<Item>> keptBy = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < threads; t++) {
            List<Item> kept = new ArrayList<>();
            keptBy.add(kept);
            int base = t * rounds * 2;
            Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                    for (int i = 0; i < rounds; i++) {
                        Item gone = new Item(base + 2 * i);
                        Item stays = new Item(base + 2 * i + 1);
                        set.add(gone);
                        set.add(stays);
                        if (!set.contains(gone) || !set.remove(gone) || set.contains(gone)) {
                            throw new AssertionError(gone + " was not added and removed as one");
                        }
                        if (i % 2 == 0) {
                            kept.add(stays);
                        } else if (!set.remove(stays)) {
                            throw new AssertionError(stays + " was lost");
                        }
                    }
                } catch (Throwable e) {
                    failures.add(e);
                } finally {
                    done.countDown();
                }
            });
        }
        done.await();
        assertEquals(List.of(), failures);
        Set<Item> expected = new HashSet<>();
        keptBy.forEach(expected::addAll);
        assertEquals(expected.size(), set.size());
        assertEquals(expected, iterated(set));
        // At most threads * 2 members were ever in the set at once beyond those kept: the freed slots were reused.
        assertTrue(set.capacity() <= Integer.highestOneBit((expected.size() + threads * 2) * 2),
                "capacity " + set.capacity() + " for " + expected.size() + " members");
    }
}
