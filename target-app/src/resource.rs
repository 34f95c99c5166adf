//! What the HTTP layer needs to know of each entity beyond storage: which cache groups its writes
//! make stale, who may write it, and how it appears in search. One table of facts per entity, read by
//! the generic record routes in `routes::records`.

use serde::de::DeserializeOwned;

use crate::groups::timeline_group;
use crate::search::{DocKind, SearchDoc};
use crate::store::{Activity, Company, Contact, Deal, Entity, Lead, User};

/// An entity served under `/api/{NAME}`.
pub trait Resource: Entity + DeserializeOwned {
    /// Record groups of *other* entities made stale when one of these is deleted (foreign keys set
    /// to NULL or cascading deletes), e.g. deleting a contact deletes its activities.
    const CASCADES_TO: &'static [&'static str] = &[];
    /// Which analytics values (dashboard, revenue) its writes change.
    const ANALYTICS: Analytics = Analytics::Unaffected;
    /// Whether only admins may create, change or delete it.
    const ADMIN_WRITES: bool = false;
    /// Whether every signed-in user may read every record (otherwise only owners and admins).
    const READABLE_BY_ALL: bool = false;
    /// Its kind in the search index, when it is searchable.
    const SEARCH_KIND: Option<DocKind> = None;
    /// Whether activities hang off it (`GET /api/{NAME}/{id}/activities`).
    const HAS_TIMELINE: bool = false;

    /// The timeline groups this record is on (an activity: its contact's and its deal's).
    fn timelines(&self) -> Vec<String> {
        Vec::new()
    }

    /// Its search document, when it is searchable.
    fn search_doc(&self) -> Option<SearchDoc> {
        None
    }

    /// Whether this record counts in the revenue reports (only read for
    /// [`Analytics::OwnerAndRevenue`] entities).
    fn in_revenue(&self) -> bool {
        false
    }
}

/// Which analytics values the writes of an entity change (see [`crate::groups`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Analytics {
    /// None: analytics never read it.
    Unaffected,
    /// The dashboards of the record owner's scope (and the admins'): aggregates filter on its
    /// `owner_id`. Revenue reports never read it.
    Owner,
    /// Like [`Analytics::Owner`], and the revenue reports of those scopes when the record counts
    /// in revenue before or after the write ([`Resource::in_revenue`]: won deals).
    OwnerAndRevenue,
    /// Those of every scope: aggregates of any owner join it (company industries, user names).
    /// A new record is joined by nothing yet, so creating one changes no analytics.
    Everyone,
}

/// An optional text, empty when absent.
fn o(text: &Option<String>) -> &str {
    text.as_deref().unwrap_or("")
}

fn join(parts: &[&str]) -> String {
    parts
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" · ")
}

impl Resource for User {
    // Names appear in the top owners and in revenue by owner.
    const ANALYTICS: Analytics = Analytics::Everyone;
    const ADMIN_WRITES: bool = true;
    const READABLE_BY_ALL: bool = true;
}

impl Resource for Company {
    const CASCADES_TO: &'static [&'static str] = &["contacts", "deals"];
    // Revenue by industry joins the company of deals owned by anyone.
    const ANALYTICS: Analytics = Analytics::Everyone;
    const SEARCH_KIND: Option<DocKind> = Some(DocKind::Company);

    fn search_doc(&self) -> Option<SearchDoc> {
        Some(SearchDoc {
            kind: DocKind::Company,
            id: self.id,
            owner_id: self.owner_id,
            title: self.name.clone(),
            subtitle: join(&[o(&self.industry), o(&self.city), o(&self.country)]),
            body: o(&self.domain).to_string(),
        })
    }
}

impl Resource for Contact {
    // Activities go with it; deals and converted leads lose it.
    const CASCADES_TO: &'static [&'static str] = &["activities", "deals", "leads"];
    const SEARCH_KIND: Option<DocKind> = Some(DocKind::Contact);
    const HAS_TIMELINE: bool = true;

    fn search_doc(&self) -> Option<SearchDoc> {
        Some(SearchDoc {
            kind: DocKind::Contact,
            id: self.id,
            owner_id: self.owner_id,
            title: format!("{} {}", self.first_name, self.last_name),
            subtitle: join(&[o(&self.email), o(&self.title)]),
            body: o(&self.phone).to_string(),
        })
    }
}

impl Resource for Deal {
    const CASCADES_TO: &'static [&'static str] = &["activities"];
    const ANALYTICS: Analytics = Analytics::OwnerAndRevenue;
    const SEARCH_KIND: Option<DocKind> = Some(DocKind::Deal);
    const HAS_TIMELINE: bool = true;

    fn search_doc(&self) -> Option<SearchDoc> {
        let amount = format!("{} {:.2}", self.currency, self.amount_cents as f64 / 100.0);
        Some(SearchDoc {
            kind: DocKind::Deal,
            id: self.id,
            owner_id: self.owner_id,
            title: self.name.clone(),
            subtitle: join(&[self.stage.as_str(), &amount, o(&self.close_date)]),
            body: String::new(),
        })
    }

    fn in_revenue(&self) -> bool {
        self.stage == crate::store::Stage::Won
    }
}

impl Resource for Lead {
    const ANALYTICS: Analytics = Analytics::Owner;
    const SEARCH_KIND: Option<DocKind> = Some(DocKind::Lead);

    fn search_doc(&self) -> Option<SearchDoc> {
        Some(SearchDoc {
            kind: DocKind::Lead,
            id: self.id,
            owner_id: self.owner_id,
            title: format!("{} {}", self.first_name, self.last_name),
            subtitle: join(&[o(&self.company_name), self.status.as_str()]),
            body: join(&[o(&self.email), self.source.as_str()]),
        })
    }
}

impl Resource for Activity {
    const ANALYTICS: Analytics = Analytics::Owner;

    fn timelines(&self) -> Vec<String> {
        let contact = self.contact_id.map(|id| timeline_group("contacts", id));
        let deal = self.deal_id.map(|id| timeline_group("deals", id));
        contact.into_iter().chain(deal).collect()
    }
}

/// Every searchable record, for (re)building the search index.
pub fn all_search_docs(
    conn: &rusqlite::Connection,
) -> Result<Vec<SearchDoc>, crate::store::StoreError> {
    fn docs<E: Resource>(
        conn: &rusqlite::Connection,
        out: &mut Vec<SearchDoc>,
    ) -> Result<(), crate::store::StoreError> {
        out.extend(
            crate::store::all::<E>(conn)?
                .iter()
                .filter_map(Resource::search_doc),
        );
        Ok(())
    }
    let mut out = Vec::new();
    docs::<Company>(conn, &mut out)?;
    docs::<Contact>(conn, &mut out)?;
    docs::<Deal>(conn, &mut out)?;
    docs::<Lead>(conn, &mut out)?;
    Ok(out)
}
