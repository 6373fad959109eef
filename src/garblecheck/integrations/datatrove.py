"""datatrove pipeline steps (``pip install garblecheck[datatrove]``).

``GarbleFilter`` drops garbled documents (the reason goes to the exclusion writer) and records
``garblecheck_score`` in each document's metadata; ``GarbleRestorer`` rewrites each document's
text with its confident flags restored. Both load the model lazily, so the steps pickle cheaply
to datatrove's workers (local, Slurm or Ray executors alike).

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter
    from garblecheck.integrations.datatrove import GarbleFilter

    LocalPipelineExecutor(pipeline=[JsonlReader("in/"), GarbleFilter(), JsonlWriter("out/")], tasks=4).run()
"""

from __future__ import annotations

from typing import Any, Optional, Sequence, Tuple

from datatrove.data import Document
from datatrove.pipeline.filters.base_filter import BaseFilter
from datatrove.pipeline.formatters.base import BaseFormatter
from datatrove.utils.typeshelper import StatHints

from ..hook import PreIngestFilter

__all__ = ["GarbleFilter", "GarbleRestorer"]


class GarbleFilter(BaseFilter):
    """Keep clean documents, drop garbled ones with the reason ``garbled``."""

    name = "🧪 garblecheck"

    def __init__(self, threshold: Optional[float] = None, model: Optional[str] = None, lexicon: Sequence[str] = (),
                 exclusion_writer: Any = None, batch_size: int = 64) -> None:
        super().__init__(exclusion_writer=exclusion_writer, batch_size=batch_size)
        self.hook = PreIngestFilter(threshold=threshold, action="reject", model=model, lexicon=lexicon)

    def _result(self, doc: Document, decision: Any) -> Tuple[bool, str] | bool:
        report = decision.report
        doc.metadata["garblecheck_score"] = report.score
        doc.metadata["garblecheck_verdict"] = report.verdict
        doc.metadata["garblecheck_flags"] = len(report.flags)
        return True if decision.keep else (False, "garbled")

    def filter(self, doc: Document) -> Tuple[bool, str] | bool:
        return self._result(doc, self.hook(doc.text))

    def filter_batch(self, batch: Sequence[Document]) -> list:
        decisions = self.hook.decide_many([d.text for d in batch])
        return [self._result(d, x) for d, x in zip(batch, decisions)]


class GarbleRestorer(BaseFormatter):
    """Replace each document's text with its restored text (confident flags only). With
    ``learn_batch``, documents are restored ``batch_size`` at a time with the spinner learned from
    their batch (:meth:`garblecheck.Detector.learned_channel`)."""

    name = "🧪 garblecheck restore"

    def __init__(self, model: Optional[str] = None, lexicon: Sequence[str] = (), learn_batch: bool = False,
                 batch_size: int = 256) -> None:
        super().__init__()
        self.hook = PreIngestFilter(action="restore", model=model, lexicon=lexicon, learn_batch=learn_batch)
        self.batch_size = batch_size

    def format(self, text: str) -> str:
        return self.hook(text).text

    def run(self, data: Any, rank: int = 0, world_size: int = 1) -> Any:
        from ..text.io import batched

        for batch in batched(data, self.batch_size):
            with self.track_time():
                decisions = self.hook.decide_many([d.text for d in batch])
            for doc, decision in zip(batch, decisions):
                self.stat_update(StatHints.total)
                doc.text = decision.text
                yield doc
