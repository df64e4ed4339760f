//! The GitHub half of the sim: `/repos/…`, `/rate_limit` and `/_sim/github/…`.

pub mod api;
pub mod auth;
pub mod control;
pub mod daily;
pub mod errors;
pub mod gate;
pub mod gen;
pub mod model;
pub mod mutate;
pub mod paging;
pub mod store;
pub mod truth;
