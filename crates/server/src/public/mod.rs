//! Public survey pages under `/s/{token}`: no session, works without JavaScript.

use crate::AppState;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
}
