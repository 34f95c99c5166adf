//! Changes over time: upserts and deletes become searchable after `flush` and, without it, by the
//! background committer; `rebuild` replaces everything; an on-disk index survives reopening.

use std::time::{Duration, Instant};

use super::*;
use crate::search::DocKind::{Company, Contact};
use crate::search::{Changed, CommitFeed};

/// Generous bound for the background committer (it commits within ~250 ms); only catches hangs.
const EVENTUALLY: Duration = Duration::from_secs(10);

fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + EVENTUALLY;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn an_upsert_is_searchable_after_flush() {
    let index = fixture_index();
    index
        .upsert(
            doc(Company, 10, ALICE, "Hooli", "hooli.example", "Palo Alto"),
            None,
        )
        .expect("upsert");
    index.flush().expect("flush");
    assert_eq!(ids(&search(&index, "hooli")), [(Company, 10)]);
    assert_eq!(index.num_docs(), fixture().len() as u64 + 1);
}

/// The next report of `feed`, waited for at most [`EVENTUALLY`].
fn next_change(feed: &mut CommitFeed) -> Option<Changed> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime");
    runtime
        .block_on(async { tokio::time::timeout(EVENTUALLY, feed.next()).await })
        .expect("a commit is reported")
}

#[test]
fn an_upsert_becomes_searchable_without_flush() {
    let index = fixture_index();
    let mut feed = index.commit_feed();
    index
        .upsert(
            doc(Company, 11, ALICE, "Pied Piper", "piedpiper.example", ""),
            None,
        )
        .expect("upsert");
    eventually("the upsert to be visible", || {
        search(&index, "piper").total == 1
    });
    assert_eq!(
        next_change(&mut feed),
        Some(Changed::Owners([ALICE].into())),
        "the background commit is reported with the owner of the document"
    );
}

#[test]
fn the_commit_feed_names_every_owner_whose_answers_changed() {
    let index = fixture_index();
    let mut feed = index.commit_feed();
    // A document moved from Bob to Alice changes both owners' answers; a delete its owner's.
    index
        .upsert(doc(Contact, 3, ALICE, "Peter Gibbons", "", ""), Some(BOB))
        .expect("upsert");
    index.delete(Company, 1, 42).expect("delete");
    index.flush().expect("flush");
    assert_eq!(
        next_change(&mut feed),
        Some(Changed::Owners([ALICE, BOB, 42].into()))
    );
    index.rebuild(fixture()).expect("rebuild");
    assert_eq!(next_change(&mut feed), Some(Changed::Anyone));
    drop(index);
    assert_eq!(next_change(&mut feed), None, "the feed ends with the index");
}

#[test]
fn an_upsert_replaces_the_previous_version() {
    let index = fixture_index();
    let mut renamed = fixture()
        .into_iter()
        .find(|d| d.kind == Company && d.id == 2)
        .expect("Globex is in the fixture");
    renamed.title = "Globex International".to_owned();
    renamed.body = "Cypress Creek".to_owned();
    index.upsert(&renamed, None).expect("upsert");
    eventually("the change to be visible", || {
        search(&index, "cypress").total == 1
    });
    assert_eq!(search(&index, "springfield").total, 0);
    let hits = search(&index, "globex international").hits;
    assert_eq!(
        hits.first().map(|h| h.title.as_str()),
        Some("Globex International")
    );
    assert_eq!(index.num_docs(), fixture().len() as u64);
}

#[test]
fn delete_removes_the_document() {
    let index = fixture_index();
    index.delete(Contact, 3, BOB).expect("delete");
    index.flush().expect("flush");
    assert_eq!(search(&index, "gibbons").total, 0);
    assert!(index.suggest("gibb", None, 5).expect("suggest").is_empty());
    index.delete(Contact, 4, ALICE).expect("delete");
    eventually("the delete to be visible", || {
        search(&index, "scorpio").total == 0
    });
    // Deleting something absent is fine.
    index.delete(Contact, 999, ALICE).expect("delete");
    index.flush().expect("flush");
    assert_eq!(index.num_docs(), fixture().len() as u64 - 2);
}

#[test]
fn rebuild_replaces_everything() {
    let index = fixture_index();
    // A queued change is discarded by the rebuild too.
    index
        .upsert(doc(Company, 12, ALICE, "Hooli", "", ""), None)
        .expect("upsert");
    let count = index
        .rebuild(vec![doc(
            Company,
            20,
            BOB,
            "Vandelay Industries",
            "",
            "latex",
        )])
        .expect("rebuild");
    assert_eq!(count, 1);
    assert_eq!(index.num_docs(), 1);
    assert_eq!(search(&index, "globex").total, 0);
    assert_eq!(ids(&search(&index, "vandelay")), [(Company, 20)]);
    index.flush().expect("flush");
    assert_eq!(search(&index, "hooli").total, 0);
    assert_eq!(index.rebuild(Vec::new()).expect("rebuild"), 0);
    assert_eq!(index.num_docs(), 0);
}

#[test]
fn an_on_disk_index_keeps_its_documents_when_reopened() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("search");
    {
        let index = SearchIndex::open(&path).expect("create");
        index.rebuild(fixture()).expect("rebuild");
        // Queued but never flushed: the committer commits it when the last handle drops.
        index
            .upsert(doc(Company, 13, ALICE, "Hooli", "", ""), None)
            .expect("upsert");
    }
    let index = SearchIndex::open(&path).expect("reopen");
    assert_eq!(index.num_docs(), fixture().len() as u64 + 1);
    assert_eq!(ids(&search(&index, "hooli")), [(Company, 13)]);
    assert_eq!(index.suggest("gibb", None, 5).expect("suggest").len(), 1);
}

#[test]
fn an_index_locked_by_another_handle_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let first = SearchIndex::open(dir.path()).expect("open");
    let second = SearchIndex::open(dir.path());
    let message = second.err().map(|err| err.to_string()).unwrap_or_default();
    assert!(message.contains("re-seed"), "{message}");
    drop(first);
}

#[test]
fn clones_share_the_index_and_the_committer_stops_with_the_last_one() {
    let index = fixture_index();
    let clone = index.clone();
    clone
        .upsert(doc(Company, 14, ALICE, "Hooli", "", ""), None)
        .expect("upsert");
    drop(clone);
    eventually("the clone's upsert to be visible", || {
        search(&index, "hooli").total == 1
    });
    let started = Instant::now();
    drop(index);
    assert!(started.elapsed() < EVENTUALLY, "dropping the index hung");
}

#[test]
fn an_index_with_another_schema_is_a_clear_error() {
    use tantivy::schema::{Schema, TEXT};
    let dir = tempfile::tempdir().expect("tempdir");
    let mut schema = Schema::builder();
    schema.add_text_field("something_else", TEXT);
    tantivy::Index::create_in_dir(dir.path(), schema.build()).expect("foreign index");
    let message = SearchIndex::open(dir.path())
        .err()
        .map(|err| err.to_string())
        .unwrap_or_default();
    assert!(message.contains("re-seed"), "{message}");
    assert!(
        message.contains(&dir.path().display().to_string()),
        "{message}"
    );
}

#[test]
fn a_corrupt_index_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("meta.json"), b"{ not json").expect("write");
    let message = SearchIndex::open(dir.path())
        .err()
        .map(|err| err.to_string())
        .unwrap_or_default();
    assert!(message.contains("re-seed"), "{message}");
}
