//! Counting matches per [`DocKind`] in the same pass that ranks them: a small collector over the
//! `kind` fast field, cheaper than one count query per kind.

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use super::doc::DocKind;
use super::schema::KIND_FIELD;

/// Number of matches of each kind, indexed by [`DocKind::code`].
pub(crate) type KindCounts = [u64; DocKind::ALL.len()];

/// Collects [`KindCounts`] for every matching document.
pub(crate) struct KindCounter;

impl Collector for KindCounter {
    type Fruit = KindCounts;
    type Child = SegmentKindCounter;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentKindCounter> {
        Ok(SegmentKindCounter {
            kinds: reader.fast_fields().u64(KIND_FIELD)?,
            counts: KindCounts::default(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segments: Vec<KindCounts>) -> tantivy::Result<KindCounts> {
        let mut total = KindCounts::default();
        for counts in segments {
            for (sum, count) in total.iter_mut().zip(counts) {
                *sum += count;
            }
        }
        Ok(total)
    }
}

/// [`KindCounter`] for one segment.
pub(crate) struct SegmentKindCounter {
    kinds: Column<u64>,
    counts: KindCounts,
}

impl SegmentCollector for SegmentKindCounter {
    type Fruit = KindCounts;

    fn collect(&mut self, doc: DocId, _score: Score) {
        let slot = self
            .kinds
            .first(doc)
            .and_then(|code| usize::try_from(code).ok())
            .and_then(|code| self.counts.get_mut(code));
        if let Some(slot) = slot {
            *slot += 1;
        }
    }

    fn harvest(self) -> KindCounts {
        self.counts
    }
}
