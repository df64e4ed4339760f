//! The engine's errors. Every message is written for the person using the app: what
//! happened and what to do. `kind()` is what the UI and the CLI branch on.

use std::path::PathBuf;

use serde::Serialize;
use ts_rs::TS;

use crate::auth::AuthError;
use crate::connector::ConnectorError;
use crate::http::HttpError;
use crate::schedule::ScheduleError;
use crate::secrets::SecretError;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Input(#[from] InputError),

    #[error("No client with id {0}. It may have been removed; reload the list.")]
    ClientNotFound(i64),

    #[error("No active client is named “{0}”. Run `client list` to see the names.")]
    NoClientNamed(String),

    #[error(
        "The database {path} was written by a newer version of Freshboard (schema {found}; \
         this version knows up to {supported}). Update Freshboard to open it. The file was left untouched."
    )]
    NewerSchema {
        path: PathBuf,
        found: i64,
        supported: i64,
    },

    #[error(
        "Could not create the data folder {path}: {source}. Check that its parent exists and is writable."
    )]
    DataDir { path: PathBuf, source: std::io::Error },

    #[error("{path} is not a Freshboard database ({source}). Move it aside or choose another data folder.")]
    NotADatabase { path: PathBuf, source: sqlx::Error },

    #[error("Could not write the backup {path}: {source}. Check the disk has room and the data folder is writable.")]
    Backup { path: PathBuf, source: std::io::Error },

    #[error("No backup “{0}”. `backup list` shows the backups there are.")]
    NoSuchBackup(String),

    #[error("The backup “{0}” is damaged (it fails SQLite's integrity check), so it was not restored. Choose another from `backup list`.")]
    DamagedBackup(String),

    #[error("{} is open in another Freshboard (the app or a command). Quit it, then restore again.", .0.display())]
    DatabaseInUse(PathBuf),

    #[error(
        "Could not bring the database schema up to date: {0}. Your data was not changed; please report this."
    )]
    Migrate(#[from] sqlx::migrate::MigrateError),

    #[error("{}", describe_database_error(.0))]
    Database(#[from] sqlx::Error),

    #[error("No source with id {0}. It may have been removed; reload the list.")]
    SourceNotFound(i64),

    #[error("This database names a provider this version does not know ({0}). Update Freshboard.")]
    UnsupportedProvider(String),

    #[error("Source {0} is already syncing (in this window or another Freshboard process). Wait for it to finish.")]
    SyncAlreadyRunning(i64),

    #[error(transparent)]
    Secret(#[from] SecretError),

    #[error("The key for “{0}” is no longer in the system keyring. Remove the source and add it again with a new key.")]
    MissingSecret(String),

    #[error("{0}")]
    Connector(#[from] ConnectorError),

    #[error(transparent)]
    Schedule(#[from] ScheduleError),

    #[error("No dashboard with id {0}. It may have been removed; reload the client.")]
    DashboardNotFound(i64),

    #[error("This client has no dashboard named “{0}”.")]
    NoDashboardNamed(String),

    #[error("No widget with id {0}. It may have been removed; reload the dashboard.")]
    WidgetNotFound(i64),

    #[error(transparent)]
    Auth(#[from] AuthError),

    #[error("No connection with id {0}. It may have been removed; reload the list.")]
    ConnectionNotFound(i64),

    /// The person did not grant this product on the consent screen (Google lets them untick
    /// products one by one).
    #[error("The {issuer} sign-in for {account} did not grant access to {product}. Reconnect it and leave {product} ticked on {issuer}'s consent screen.")]
    MissingScope {
        product: &'static str,
        account: String,
        issuer: &'static str,
    },
}

/// Bad input from a person. Each names the field it concerns, so forms can show it inline.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("Enter a client name.")]
    EmptyClientName,

    #[error("A client name can be at most {max} characters; this one has {len}.")]
    ClientNameTooLong { max: usize, len: usize },

    #[error("There is already a client named “{0}”. Choose another name.")]
    DuplicateClientName(String),

    #[error("Enter the API key or token.")]
    EmptySecret,

    /// The account as typed cannot be used: malformed, or the provider does not show it to
    /// this key or sign-in. The message says which and what to do.
    #[error("{message}")]
    BadAccount { message: String },

    #[error("{provider} sources are added on a {account_provider} connection: connect {account_provider} first (Connections), then pick the account there.")]
    NeedsConnection {
        provider: &'static str,
        account_provider: &'static str,
    },

    #[error("{provider} sources need a {account_provider} connection; pick one of those.")]
    WrongConnection {
        provider: &'static str,
        account_provider: &'static str,
    },

    #[error("{what} can be at most {max} days (got {got}).")]
    BadWindow { what: &'static str, max: u32, got: u32 },

    #[error("A request rate is 1 to {max} requests a second (got {got}); leave it empty for the provider's documented rate.")]
    BadRate { max: u32, got: u32 },

    #[error("“{0}” is not a valid API address: use a full URL such as http://127.0.0.1:8080.")]
    BadBaseUrl(String),

    #[error("This client already has that account as a source (“{0}”).")]
    DuplicateSource(String),

    #[error("{provider} rejected the key or token: {message}. Check that you copied it whole and that it is not revoked.")]
    CredentialRejected { provider: &'static str, message: String },

    #[error("“{0}” is not a date: use YYYY-MM-DD, e.g. 2026-03-31.")]
    BadDate(String),

    #[error("The range ends before it starts: swap the dates.")]
    ReversedRange,

    #[error("A range covers 1 to {max} days (got {got}).")]
    BadRangeLength { max: i64, got: i64 },

    #[error("There is no metric “{0}”. Run `freshboard-cli metrics` to see them.")]
    UnknownMetric(String),

    #[error("A widget is 1 to 4 columns wide and 1 to 4 rows high (got {0}).")]
    BadWidgetSize(i64),

    #[error("Enter a dashboard name.")]
    EmptyDashboardName,

    #[error("A dashboard name can be at most {max} characters; this one has {len}.")]
    DashboardNameTooLong { max: usize, len: usize },

    #[error("This client already has a dashboard named “{0}”. Choose another name.")]
    DuplicateDashboardName(String),

    #[error("The {what} “{url}” is not a valid address: use a full URL such as https://github.com/login/oauth/authorize.")]
    BadOAuthUrl { what: String, url: String },

    #[error("{0} does not connect with a browser sign-in; add it with its API key instead.")]
    NoOAuth(&'static str),

    #[error(
        "No OAuth app is set for {0}: enter your OAuth app's client id in Settings, then connect again."
    )]
    NoOAuthClient(&'static str),

    #[error("{0} needs your OAuth app's client secret: enter it in Settings (it is kept in your system keyring), then connect again.")]
    NoClientSecret(&'static str),

    #[error("The redirect port must be between 1024 and 65535 (got {0}); use the port registered in your app's settings.")]
    BadRedirectPort(u16),

    #[error("{0} has no sign-in with a code; connect it in the browser.")]
    NoDeviceFlow(&'static str),

    #[error("{0} does not connect with a pasted token; connect it in the browser.")]
    NoPastedToken(&'static str),

    #[error("Paste the access token to connect with.")]
    EmptyToken,

    #[error("{provider} did not accept this token ({message}). Check that it was copied whole and has not been revoked; nothing was saved.")]
    TokenRejected { provider: &'static str, message: String },

    #[error("{what} must be {allowed} (got {got}).")]
    BadAlertSetting {
        what: &'static str,
        allowed: &'static str,
        got: String,
        /// The setting's field, as the settings form names it.
        field: &'static str,
    },

    #[error("{what} must be between {min} and {max} minutes (got {got}).")]
    MinutesOutOfRange {
        what: &'static str,
        min: i64,
        max: i64,
        got: i64,
    },
}

impl InputError {
    pub fn field(&self) -> &'static str {
        match self {
            InputError::EmptyClientName
            | InputError::ClientNameTooLong { .. }
            | InputError::DuplicateClientName(_) => "name",
            InputError::EmptySecret | InputError::CredentialRejected { .. } => "secret",
            InputError::BadAccount { .. } | InputError::DuplicateSource(_) => "account",
            InputError::NeedsConnection { .. } | InputError::WrongConnection { .. } => "connection",
            InputError::BadWindow { .. } => "window",
            InputError::BadRate { .. } => "rate",
            InputError::BadBaseUrl(_) => "baseUrl",
            InputError::MinutesOutOfRange { .. } => "minutes",
            InputError::BadAlertSetting { field, .. } => field,
            InputError::BadDate(_) | InputError::ReversedRange | InputError::BadRangeLength { .. } => "range",
            InputError::UnknownMetric(_) => "metric",
            InputError::BadOAuthUrl { .. } => "url",
            InputError::NoOAuth(_) | InputError::NoDeviceFlow(_) | InputError::NoPastedToken(_) => "provider",
            InputError::NoOAuthClient(_) => "clientId",
            InputError::NoClientSecret(_) => "clientSecret",
            InputError::BadRedirectPort(_) => "redirectPort",
            InputError::EmptyToken | InputError::TokenRejected { .. } => "token",
            InputError::BadWidgetSize(_) => "size",
            InputError::EmptyDashboardName
            | InputError::DashboardNameTooLong { .. }
            | InputError::DuplicateDashboardName(_) => "name",
        }
    }
}

/// What kind of failure this is, for code that must react differently to each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ErrorKind {
    /// The input was malformed; fix it and retry.
    InvalidInput,
    /// The input clashes with something that exists (a duplicate name).
    Conflict,
    /// The thing named does not exist.
    NotFound,
    /// The database belongs to a newer Freshboard.
    NewerSchema,
    /// Another process holds the database; retrying later can work.
    DatabaseBusy,
    /// The disk is full or the file is read-only.
    StorageFull,
    /// The data folder or file cannot be used.
    Storage,
    /// A sync of that source is already running.
    AlreadyRunning,
    /// The OS keyring cannot be used (none running, locked, not answering).
    KeyringUnavailable,
    /// The provider cannot be reached.
    Offline,
    /// The provider failed or answered something unexpected.
    Provider,
    /// A sign-in did not complete (declined, cancelled, timed out, or not ours).
    SignInFailed,
    /// The provider no longer accepts the connection's grant: reconnect it.
    NeedsReauth,
    /// A bug or an unexpected state.
    Internal,
}

impl ErrorKind {
    /// Whether the person's input caused this (the CLI exits with 2 for these).
    pub fn is_bad_input(self) -> bool {
        matches!(
            self,
            ErrorKind::InvalidInput | ErrorKind::Conflict | ErrorKind::NotFound
        )
    }
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Input(
                InputError::DuplicateClientName(_)
                | InputError::DuplicateSource(_)
                | InputError::DuplicateDashboardName(_),
            ) => ErrorKind::Conflict,
            Error::Input(_) => ErrorKind::InvalidInput,
            Error::ClientNotFound(_)
            | Error::NoClientNamed(_)
            | Error::SourceNotFound(_)
            | Error::DashboardNotFound(_)
            | Error::NoDashboardNamed(_)
            | Error::WidgetNotFound(_)
            | Error::ConnectionNotFound(_) => ErrorKind::NotFound,
            Error::UnsupportedProvider(_) => ErrorKind::NewerSchema,
            Error::SyncAlreadyRunning(_) => ErrorKind::AlreadyRunning,
            Error::Secret(_) => ErrorKind::KeyringUnavailable,
            Error::MissingSecret(_) => ErrorKind::InvalidInput,
            Error::Connector(ConnectorError::Http(HttpError::Offline { .. })) => ErrorKind::Offline,
            Error::Connector(_) => ErrorKind::Provider,
            Error::Schedule(_) => ErrorKind::InvalidInput,
            Error::Auth(e) if e.needs_reauth() => ErrorKind::NeedsReauth,
            Error::MissingScope { .. } => ErrorKind::NeedsReauth,
            Error::Auth(AuthError::Network { .. }) => ErrorKind::Offline,
            Error::Auth(AuthError::Listen { .. }) => ErrorKind::Internal,
            Error::Auth(AuthError::BadUrl(_) | AuthError::BadClient { .. }) => ErrorKind::InvalidInput,
            Error::Auth(_) => ErrorKind::SignInFailed,
            Error::NewerSchema { .. } => ErrorKind::NewerSchema,
            Error::DataDir { .. }
            | Error::NotADatabase { .. }
            | Error::Backup { .. }
            | Error::DamagedBackup(_) => ErrorKind::Storage,
            Error::NoSuchBackup(_) => ErrorKind::NotFound,
            Error::DatabaseInUse(_) => ErrorKind::DatabaseBusy,
            Error::Migrate(_) => ErrorKind::Internal,
            Error::Database(e) => match sqlite_code(e) {
                Some(SQLITE_BUSY | SQLITE_LOCKED) => ErrorKind::DatabaseBusy,
                Some(SQLITE_FULL | SQLITE_READONLY) => ErrorKind::StorageFull,
                Some(SQLITE_CANTOPEN | SQLITE_CORRUPT | SQLITE_NOTADB) => ErrorKind::Storage,
                _ => ErrorKind::Internal,
            },
        }
    }

    /// The form field the error is about, if any.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Error::Input(e) => Some(e.field()),
            Error::Auth(AuthError::BadClient { .. }) => Some("clientSecret"),
            Error::Schedule(ScheduleError::UnknownTimeZone(_)) => Some("timeZone"),
            Error::Schedule(_) => Some("schedule"),
            _ => None,
        }
    }
}

pub(crate) const SQLITE_BUSY: i32 = 5;
const SQLITE_LOCKED: i32 = 6;
const SQLITE_READONLY: i32 = 8;
const SQLITE_CORRUPT: i32 = 11;
const SQLITE_FULL: i32 = 13;
const SQLITE_CANTOPEN: i32 = 14;
pub(crate) const SQLITE_NOTADB: i32 = 26;

/// The primary SQLite result code of a database error (extended codes carry it in the low byte).
pub(crate) fn sqlite_code(e: &sqlx::Error) -> Option<i32> {
    let code = e.as_database_error()?.code()?;
    code.parse::<i32>().ok().map(|c| c & 0xff)
}

fn describe_database_error(e: &sqlx::Error) -> String {
    match sqlite_code(e) {
        Some(SQLITE_BUSY | SQLITE_LOCKED) => "The database is busy: another Freshboard window or \
            command is writing to it. Try again in a moment."
            .into(),
        Some(SQLITE_FULL) => "The disk holding Freshboard's data is full. Free some space and try \
            again; nothing was changed."
            .into(),
        Some(SQLITE_READONLY) => "Freshboard's database is read-only. Check the permissions of \
            the data folder."
            .into(),
        Some(SQLITE_CORRUPT | SQLITE_NOTADB) => {
            format!("Freshboard's database file is damaged ({e}). Restore it from a backup or move it aside.")
        }
        Some(SQLITE_CANTOPEN) => format!(
            "Freshboard cannot open its database file ({e}). Check that the data folder exists \
             and is writable."
        ),
        _ => format!("Database error: {e}. Please report this."),
    }
}
