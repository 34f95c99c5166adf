//! The kind filter, facets and the owner filter.

use super::*;
use crate::search::DocKind::{Company, Lead};

fn request(q: &str, kind: Option<DocKind>, owner: Option<i64>) -> SearchRequest {
    SearchRequest {
        q: q.to_owned(),
        kind,
        owner,
        limit: 20,
    }
}

#[test]
fn the_kind_filter_limits_hits_but_facets_count_every_kind() {
    let index = fixture_index();
    let all = index
        .search(&request("initech", None, None))
        .expect("search");
    let companies = index
        .search(&request("initech", Some(Company), None))
        .expect("search");
    assert_eq!(ids(&companies), [(Company, 3)]);
    assert_eq!(companies.total, 1);
    assert_eq!(companies.facets, all.facets);
    let facet = |name: &str| all.facets.get(name).copied();
    assert_eq!(facet("company"), Some(1));
    assert_eq!(facet("contact"), Some(2));
    assert_eq!(facet("deal"), Some(1));
    assert_eq!(facet("lead"), Some(1));
    assert_eq!(all.total, 5);
    assert_eq!(all.hits.len(), 5);

    let leads = index
        .search(&request("initech", Some(Lead), None))
        .expect("search");
    assert_eq!(ids(&leads), [(Lead, 2)]);
}

#[test]
fn facets_list_all_kinds_even_without_matches() {
    let index = fixture_index();
    let results = search(&index, "lumbergh");
    assert_eq!(results.facets.len(), 4);
    assert_eq!(results.facets.get("lead"), Some(&1));
    assert_eq!(results.facets.get("deal"), Some(&0));
    let empty = search(&index, "");
    assert_eq!(empty.facets.len(), 4);
    assert_eq!(empty.total, 0);
}

#[test]
fn a_rep_never_sees_another_owners_documents() {
    let index = fixture_index();
    for q in [
        "initech",
        "john smith",
        "smith",
        "*",
        "gibbons",
        "usd",
        "inetech",
    ] {
        for (owner, other) in [(ALICE, BOB), (BOB, ALICE)] {
            let results = index
                .search(&request(q, None, Some(owner)))
                .expect("search");
            let owners: Vec<i64> = results
                .hits
                .iter()
                .map(|hit| owner_of(hit.kind, hit.id))
                .collect();
            assert!(!owners.contains(&other), "{q} as {owner}: {results:?}");
            let visible = fixture().iter().filter(|d| d.owner_id == owner).count() as u64;
            assert!(results.total <= visible);
            assert_eq!(results.facets.values().sum::<u64>(), results.total);
        }
    }
    let bob = index
        .search(&request("initech", None, Some(BOB)))
        .expect("search");
    assert_eq!(bob.total, 5);
    let alice = index
        .search(&request("initech", None, Some(ALICE)))
        .expect("search");
    assert_eq!(alice.total, 0);
    assert_eq!(alice.facets.values().sum::<u64>(), 0);
}

#[test]
fn limits_are_honoured_and_capped() {
    let index = fixture_index();
    let mut req = request("*", None, None);
    req.limit = 3;
    let results = index.search(&req).expect("search");
    assert_eq!(results.hits.len(), 3);
    assert_eq!(results.total, fixture().len() as u64);
    req.limit = 0;
    let results = index.search(&req).expect("search");
    assert!(results.hits.is_empty());
    assert_eq!(results.total, fixture().len() as u64);
    req.limit = usize::MAX;
    let results = index.search(&req).expect("search");
    assert_eq!(results.hits.len(), fixture().len());
}

fn owner_of(kind: DocKind, id: i64) -> i64 {
    fixture()
        .into_iter()
        .find(|doc| doc.kind == kind && doc.id == id)
        .map_or(-1, |doc| doc.owner_id)
}
