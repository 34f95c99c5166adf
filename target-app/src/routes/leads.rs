//! `POST /api/leads/{id}/convert`: turns a lead into a contact (and, when asked, a company and a
//! deal) in one transaction; converting twice answers 409.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;

use crate::auth::CurrentUser;
use crate::cached::{json_text, to_json};
use crate::error::AppError;
use crate::extract::{ApiJson, ApiPath};
use crate::groups::Change;
use crate::state::AppState;
use crate::store::{self, ConvertLead};
use crate::writes::Writes;

pub fn router() -> Router<AppState> {
    Router::new().route("/leads/{id}/convert", post(convert))
}

async fn convert(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(request): ApiJson<ConvertLead>,
) -> Result<Response, AppError> {
    let vis = user.visibility();
    let conversion = state
        .store
        .call(move |conn| store::convert_lead(conn, id, request, &vis))
        .await?
        .ok_or_else(|| AppError::NotFound(format!("leads {id}")))?;
    let mut writes = Writes::default();
    writes.add(&state, &conversion.lead, Change::Updated(None));
    writes.add(&state, &conversion.contact, Change::Created);
    if let Some(company) = &conversion.company {
        writes.add(&state, company, Change::Created);
    }
    if let Some(deal) = &conversion.deal {
        writes.add(&state, deal, Change::Created);
    }
    writes.settle(&state).await;
    Ok(json_text(StatusCode::CREATED, &to_json(&conversion)?, None))
}
