"""What every bench/*_table.py shares: reading a benchmark's TSV (comment lines `# ...` say when and where it ran,
then a header row, then one row per run), grouping the runs by server and case (optionally only the rows `keep` accepts), medians, and the Markdown around
them. The scripts that write the TSVs are bench/echo.sh, fanout.sh and cluster.sh."""
import statistics
from collections import defaultdict


def rows(path):
    """The TSV's rows as dicts keyed by the header row; comment and blank lines skipped."""
    header = None
    for line in open(path):
        if line.startswith("#") or not line.strip():
            continue
        cells = line.rstrip("\n").split("\t")
        if header is None:
            header = cells
            continue
        yield dict(zip(header, cells))


def comments(path):
    """The `# ` lines (machine, date, settings), without the marker."""
    return [line.rstrip("\n")[2:] for line in open(path) if line.startswith("# ")]


def print_comments(path):
    """The comment lines as a Markdown list, then a blank line."""
    print("\n".join("- " + c for c in comments(path)))
    print()


def fmt_rate(x):
    return f"{x / 1e6:.2f} M/s" if x >= 1e6 else f"{x / 1e3:.1f} k/s"


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def table_head(first, cols, align="---:"):
    """A Markdown table's two header lines: the `first` columns (left-aligned), then `cols` aligned by `align`."""
    print("| " + " | ".join(first + cols) + " |")
    print("|" + "---|" * len(first) + f"{align}|" * len(cols))


class Runs:
    """The runs of one TSV grouped by (server, case): the numeric fields of every run without errors, in order, and
    how many runs failed. `case_of(row)` makes a row's case (a tuple); servers and cases keep their first-seen order;
    `keep(row)`, when given, leaves out the rows it returns false for."""

    def __init__(self, path, case_of, server="server", keep=None):
        self.data = defaultdict(lambda: defaultdict(list))
        self.failed = defaultdict(int)
        self.servers, self.cases = [], []
        for r in rows(path):
            if keep is not None and not keep(r):
                continue
            s, case = r[server], case_of(r)
            if s not in self.servers:
                self.servers.append(s)
            if case not in self.cases:
                self.cases.append(case)
            if r.get("errors", "0") != "0":
                self.failed[(s, case)] += 1
                continue
            for k, v in r.items():
                if num(v) is not None:
                    self.data[(s, case)][k].append(num(v))

    def values(self, s, case, field):
        return self.data.get((s, case), {}).get(field, [])

    def med(self, s, case, field):
        """The median of a field over the runs without errors, or None when there is none."""
        v = self.values(s, case, field)
        return statistics.median(v) if v else None

    def ratio(self, a, b, case, field):
        """`1.23x`: the median of server a over that of server b, or n/a."""
        x, y = self.med(a, case, field), self.med(b, case, field)
        return f"{x / y:.2f}x" if x is not None and y else "n/a"

    def rate_cells(self, case, field):
        """One cell per server (rate_cell)."""
        return [self.rate_cell(s, case, field) for s in self.servers]

    def rate_cell(self, s, case, field):
        """The median rate, in brackets the CPU % of the load generator / of the server, and how many runs failed if
        any; `failed` when every run did."""
        rate = self.med(s, case, field)
        if rate is None:
            return "failed"
        cell = (f"{fmt_rate(rate)} ({self.med(s, case, 'loadgen_cpu_pct'):.0f}% / "
                f"{self.med(s, case, 'server_cpu_pct'):.0f}%)")
        if self.failed.get((s, case)):
            cell += f" ({self.failed[(s, case)]} runs failed)"
        return cell
