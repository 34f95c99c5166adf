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
use crate::routes::records::after_write;
use crate::state::AppState;
use crate::store::{self, ConvertLead};

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
    after_write(&state, &conversion.lead, Change::Updated(None)).await;
    after_write(&state, &conversion.contact, Change::Created).await;
    if let Some(company) = &conversion.company {
        after_write(&state, company, Change::Created).await;
    }
    if let Some(deal) = &conversion.deal {
        after_write(&state, deal, Change::Created).await;
    }
    Ok(json_text(StatusCode::CREATED, &to_json(&conversion)?, None))
}
