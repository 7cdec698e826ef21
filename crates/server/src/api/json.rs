//! A JSON body extractor whose rejections are our JSON errors with the right status:
//! 400 for syntax, 422 for wrong types, 413 for a body over the limit, 415 without
//! a JSON content type.

use crate::error::ApiError;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(match rejection.status() {
                StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
                StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType,
                _ => match rejection {
                    JsonRejection::JsonDataError(e) => ApiError::invalid("body", e.body_text()),
                    other => ApiError::BadRequest(format!("malformed JSON: {}", other.body_text())),
                },
            }),
        }
    }
}
