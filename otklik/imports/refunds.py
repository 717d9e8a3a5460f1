"""What is left of each refunded order's refund over a whole file, in bounded memory (decision 0067).

An order's lines may lie far apart in a file, its refund repeated on each: forgetting an order
makes its refund be taken again from a later line. So no order is ever forgotten. The orders
met most recently stay in a dict (quick to update); when it holds REFUNDS_HELD orders they move
into sorted arrays of 8-byte order digests and 8-byte amounts (16 bytes an order: 10 million
refunded orders in 160 MB), merged as they grow so that a look-up reads a few of them.
"""

import hashlib
from array import array
from bisect import bisect_left
from decimal import Decimal

# Orders held in the dict before they move into the arrays. Named so that tests can make it small.
REFUNDS_HELD = 100_000
# Amounts are kept in ten-thousandths: exact for every currency's minor units.
SCALE = 10_000
LARGEST = 2**63 - 1


def order_digest(order: str) -> int:
    """A signed 64-bit digest of an order number, the same in every process (unlike hash())."""
    return int.from_bytes(hashlib.blake2b(order.encode(), digest_size=8).digest(), "little", signed=True)


class RefundsLeft:
    """A mapping order number → what of its refund is still to be taken off its lines."""

    def __init__(self) -> None:
        self.recent: dict[str, Decimal] = {}
        # Oldest first; each (digests, amounts) sorted by digest; a newer run's value wins.
        self.runs: list[tuple[array, array]] = []
        # Amounts the arrays cannot hold exactly (finer than SCALE, or huge): rare, kept as they are.
        self.odd: dict[int, Decimal] = {}

    def get(self, order: str) -> Decimal | None:
        """What is left of the order's refund; None when no refund was read for it."""
        left = self.recent.get(order)
        if left is not None or not (self.runs or self.odd):
            return left
        digest = order_digest(order)
        for digests, amounts in reversed(self.runs):
            i = bisect_left(digests, digest)
            if i < len(digests) and digests[i] == digest:
                left = self.odd.get(digest) if amounts[i] < 0 else Decimal(amounts[i]) / SCALE
                self[order] = left  # it is being taken from again: keep it at hand
                return left
        return None

    def __contains__(self, order: str) -> bool:
        return self.get(order) is not None

    def __setitem__(self, order: str, left: Decimal) -> None:
        if order not in self.recent and len(self.recent) >= REFUNDS_HELD:
            self._move_recent()
        self.recent[order] = left

    def _move_recent(self) -> None:
        pairs = []
        for order, left in self.recent.items():
            digest, scaled = order_digest(order), left * SCALE
            if scaled == scaled.to_integral_value() and 0 <= scaled <= LARGEST:
                pairs.append((digest, int(scaled)))
            else:
                self.odd[digest] = left
                pairs.append((digest, -1))  # -1: the amount is in self.odd
        self.recent.clear()
        pairs.sort()
        self.runs.append((array("q", (d for d, _ in pairs)), array("q", (a for _, a in pairs))))
        # Keep each run at least twice the next newer one: a few runs, each entry merged a few times.
        while len(self.runs) > 1 and len(self.runs[-2][0]) <= 2 * len(self.runs[-1][0]):
            newer = self.runs.pop()
            self.runs[-1] = merged(self.runs[-1], newer)


def merged(older: tuple[array, array], newer: tuple[array, array]) -> tuple[array, array]:
    """Two sorted runs as one; for an order in both, the newer run's amount."""
    (od, oa), (nd, na) = older, newer
    digests, amounts = array("q"), array("q")
    i = j = 0
    while i < len(od) and j < len(nd):
        if od[i] < nd[j]:
            digests.append(od[i])
            amounts.append(oa[i])
            i += 1
        else:
            if od[i] == nd[j]:
                i += 1
            digests.append(nd[j])
            amounts.append(na[j])
            j += 1
    digests.extend(od[i:])
    amounts.extend(oa[i:])
    digests.extend(nd[j:])
    amounts.extend(na[j:])
    return digests, amounts
