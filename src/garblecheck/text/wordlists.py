"""Word lists more than one stage reads: function words, and the words whose swaps are editorial."""

from __future__ import annotations

__all__ = ["STOPWORDS", "EDITORIAL"]

STOPWORDS = frozenset(
    """a about above after again against all almost also although always am among an and another any are
    around as at be because been before being below between both but by can could did do does doing down
    during each either else enough even ever every few for from further had has have having he her here hers
    herself him himself his how however i if in into is it its itself just least less many may me might more
    most much must my myself neither no nor not now of off on once one only or other others our ours
    ourselves out over own per rather same several she should since so some such than that the their theirs
    them themselves then there these they this those though through thus to too toward towards under until
    up upon us very was we were what when where whether which while who whom whose why will with within
    without would yet you your yours yourself yourselves mr mrs ms""".split()
)

# real pairs between these are editorial changes of the source, not spinner swaps (real-spins README)
EDITORIAL = frozenset("a an the this that these those it its my your his her our their which who".split())
