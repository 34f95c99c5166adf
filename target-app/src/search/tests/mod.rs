//! Tests of the search module against real tantivy indexes (in memory, or in a temporary
//! directory where persistence matters), over a small hand-made CRM data set.

mod bench;
mod filters;
mod lifecycle;
mod ranking;
mod suggest;
mod syntax;

use super::{DocKind, SearchDoc, SearchIndex, SearchRequest, SearchResults};

/// Owner of most fixture documents.
const ALICE: i64 = 1;
/// Owner of a few fixture documents, some with names close to Alice's.
const BOB: i64 = 2;

fn doc(
    kind: DocKind,
    id: i64,
    owner_id: i64,
    title: &str,
    subtitle: &str,
    body: &str,
) -> SearchDoc {
    SearchDoc {
        kind,
        id,
        owner_id,
        title: title.to_owned(),
        subtitle: subtitle.to_owned(),
        body: body.to_owned(),
    }
}

/// A small data set: a few companies, their contacts, deals and leads.
fn fixture() -> Vec<SearchDoc> {
    use DocKind::{Company, Contact, Deal, Lead};
    vec![
        doc(
            Company,
            1,
            ALICE,
            "Acme Corporation",
            "acme.example · Manufacturing",
            "Berlin Germany",
        ),
        doc(
            Company,
            2,
            ALICE,
            "Globex",
            "globex.example · Energy",
            "Springfield USA",
        ),
        doc(
            Company,
            3,
            BOB,
            "Initech",
            "initech.example · Software",
            "Austin USA",
        ),
        doc(
            Company,
            4,
            ALICE,
            "Umbrella Pharmaceuticals",
            "umbrella.example · Healthcare",
            "Raccoon City USA",
        ),
        doc(
            Contact,
            1,
            ALICE,
            "John Smith",
            "john.smith@acme.example · Acme Corporation",
            "purchasing manager",
        ),
        doc(
            Contact,
            2,
            ALICE,
            "Jane Smythe",
            "jane@globex.example · Globex",
            "cto",
        ),
        doc(
            Contact,
            3,
            BOB,
            "Peter Gibbons",
            "peter@initech.example · Initech",
            "engineer",
        ),
        doc(
            Contact,
            4,
            ALICE,
            "Hank Scorpio",
            "hank@globex.example · Globex",
            "ceo",
        ),
        doc(
            Contact,
            5,
            ALICE,
            "Zoë Müller",
            "zoe@umbrella.example · Umbrella Pharmaceuticals",
            "research lead",
        ),
        doc(
            Contact,
            6,
            BOB,
            "John Smithson",
            "john@initech.example · Initech",
            "sales",
        ),
        doc(
            Deal,
            1,
            ALICE,
            "Acme anvil renewal",
            "Acme Corporation · proposal",
            "stage proposal eur",
        ),
        doc(
            Deal,
            2,
            ALICE,
            "Globex reactor upgrade",
            "Globex · negotiation",
            "stage negotiation usd",
        ),
        doc(
            Deal,
            3,
            BOB,
            "Initech TPS reports",
            "Initech · won",
            "stage won usd",
        ),
        doc(
            Lead,
            1,
            ALICE,
            "Mary Johnson",
            "mary@wayne.example · Wayne Enterprises",
            "web referral",
        ),
        doc(
            Lead,
            2,
            BOB,
            "Samir Nagheenanajar",
            "samir@initech.example · Initech",
            "cold call",
        ),
        doc(
            Lead,
            3,
            ALICE,
            "Bill Lumbergh",
            "bill@acme.example · Acme Corporation",
            "event",
        ),
    ]
}

/// An in-memory index holding [`fixture`].
fn fixture_index() -> SearchIndex {
    let index = SearchIndex::in_memory().expect("in-memory index");
    let count = index.rebuild(fixture()).expect("rebuild");
    assert_eq!(count, fixture().len() as u64);
    index
}

/// Searches as an admin (no owner filter), all kinds, up to 20 hits.
fn search(index: &SearchIndex, q: &str) -> SearchResults {
    index
        .search(&SearchRequest {
            q: q.to_owned(),
            kind: None,
            owner: None,
            limit: 20,
        })
        .expect("search")
}

/// The HTTP layer shares one index between tasks and moves it into `spawn_blocking`.
#[test]
fn the_index_can_be_shared_between_threads() {
    fn assert_shareable<T: Send + Sync + Clone + 'static>() {}
    assert_shareable::<SearchIndex>();
}

/// The `(kind, id)` of each hit, best first.
fn ids(results: &SearchResults) -> Vec<(DocKind, i64)> {
    results.hits.iter().map(|hit| (hit.kind, hit.id)).collect()
}
