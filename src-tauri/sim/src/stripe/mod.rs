//! The Stripe half of the sim: `/v1/…` and `/_sim/stripe/…`.

pub mod api;
pub mod control;
pub mod daily;
pub mod errors;
pub mod gate;
pub mod gen;
pub mod model;
pub mod mutate;
pub mod store;
pub mod table;
pub mod truth;
