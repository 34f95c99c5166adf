//! Lead conversion: in one IMMEDIATE transaction, the lead becomes a contact (plus, on request, a
//! company named after the lead's company and a deal in `qualification`), and is marked
//! `converted`. Any failure rolls everything back; converting twice is a `Conflict`.

use rusqlite::{Connection, TransactionBehavior};
use serde::{Deserialize, Serialize};

use super::companies::{Company, CompanyCreate};
use super::contacts::{Contact, ContactCreate};
use super::deals::{Deal, DealCreate, Stage};
use super::entity::{Visibility, create, get};
use super::leads::{Lead, LeadStatus};
use super::validate::NAME_MAX;
use super::{StoreError, timestamps};

/// `POST /api/leads/{id}/convert`; every field optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConvertLead {
    /// Create a company named from the lead's `company_name` (which must be set).
    pub create_company: Option<bool>,
    /// Create a deal in `qualification` for the new contact.
    pub create_deal: Option<bool>,
    /// The deal's name (default: "<company or last name> deal", the name shortened to fit).
    pub deal_name: Option<String>,
    pub amount_cents: Option<i64>,
    pub close_date: Option<String>,
}

/// What a conversion created.
#[derive(Debug, Clone, Serialize)]
pub struct Conversion {
    pub lead: Lead,
    pub contact: Contact,
    pub company: Option<Company>,
    pub deal: Option<Deal>,
}

/// Converts a visible lead; `None` when it is not visible.
pub fn convert_lead(
    conn: &mut Connection,
    lead_id: i64,
    req: ConvertLead,
    vis: &Visibility,
) -> Result<Option<Conversion>, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let Some(lead) = get::<Lead>(&tx, lead_id, vis)? else {
        return Ok(None);
    };
    if lead.status == LeadStatus::Converted {
        return Err(StoreError::Conflict(format!(
            "lead {lead_id} was already converted (into contact {})",
            lead.converted_contact_id
                .map_or_else(|| "since deleted".to_owned(), |c| c.to_string())
        )));
    }
    let owner = lead.owner_id;
    let wants_deal = req.create_deal.unwrap_or(false);
    if !wants_deal
        && (req.deal_name.is_some() || req.amount_cents.is_some() || req.close_date.is_some())
    {
        return Err(StoreError::validation(
            "create_deal",
            "deal_name, amount_cents and close_date need \"create_deal\": true",
        ));
    }

    let company = if req.create_company.unwrap_or(false) {
        let Some(name) = lead.company_name.clone() else {
            return Err(StoreError::validation(
                "create_company",
                "the lead has no company_name to name the company after",
            ));
        };
        let input = CompanyCreate {
            name,
            ..CompanyCreate::default()
        };
        Some(create::<Company>(&tx, input, owner, vis)?)
    } else {
        None
    };

    let contact = create::<Contact>(
        &tx,
        ContactCreate {
            company_id: company.as_ref().map(|c| c.id),
            first_name: lead.first_name.clone(),
            last_name: lead.last_name.clone(),
            email: lead.email.clone(),
            ..ContactCreate::default()
        },
        owner,
        vis,
    )?;

    let deal = if wants_deal {
        let name = req.deal_name.unwrap_or_else(|| {
            default_deal_name(lead.company_name.as_deref().unwrap_or(&lead.last_name))
        });
        let input = DealCreate {
            name,
            company_id: company.as_ref().map(|c| c.id),
            contact_id: Some(contact.id),
            stage: Some(Stage::Qualification),
            amount_cents: req.amount_cents,
            close_date: req.close_date,
            ..DealCreate::default()
        };
        Some(create::<Deal>(&tx, input, owner, vis)?)
    } else {
        None
    };

    let now = timestamps::now();
    tx.prepare_cached(
        "UPDATE leads SET status = 'converted', converted_contact_id = ?, converted_at = ?,
             updated_at = ? WHERE id = ?",
    )?
    .execute(rusqlite::params![contact.id, now, now, lead_id])?;
    let lead = get::<Lead>(&tx, lead_id, &Visibility::All)?
        .ok_or(StoreError::Sqlite(rusqlite::Error::QueryReturnedNoRows))?;
    tx.commit()?;
    Ok(Some(Conversion {
        lead,
        contact,
        company,
        deal,
    }))
}

/// The name of a deal made by a conversion when the client gave none: `"{base} deal"`, with
/// `base` cut (on a character boundary) so that the whole fits a name's limit. The client never
/// sent this field, so it must never be the one that fails validation.
fn default_deal_name(base: &str) -> String {
    const SUFFIX: &str = " deal";
    let room = NAME_MAX - SUFFIX.chars().count();
    let cut = match base.char_indices().nth(room) {
        Some((at, _)) => &base[..at],
        None => base,
    };
    format!("{}{SUFFIX}", cut.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_deal_names_fit_the_name_limit() {
        assert_eq!(default_deal_name("Acme"), "Acme deal");
        for base in ["C".repeat(200), "é".repeat(200), "ab ".repeat(70)] {
            let name = default_deal_name(&base);
            assert!(name.chars().count() <= NAME_MAX, "{name}");
            assert!(name.ends_with(" deal"));
            assert!(!name.contains("  "), "{name}");
        }
        assert_eq!(default_deal_name(&"C".repeat(195)).chars().count(), 200);
    }
}
