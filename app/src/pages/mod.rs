pub mod audit;
pub mod dashboard;
pub mod login;
pub mod not_found;
pub mod profile;
pub mod settings;
pub mod teams;
pub mod users;
