//! The one error that crosses into the webview: a kind the UI branches on, a message a
//! person understands, and the form field it concerns.

use freshboard_engine::ErrorKind;
use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CommandError {
    pub kind: ErrorKind,
    pub message: String,
    pub field: Option<String>,
}

impl From<freshboard_engine::Error> for CommandError {
    fn from(e: freshboard_engine::Error) -> Self {
        if e.kind() == ErrorKind::Internal {
            tracing::error!(error = %e, "command failed");
        }
        Self {
            kind: e.kind(),
            message: e.to_string(),
            field: e.field().map(str::to_owned),
        }
    }
}
