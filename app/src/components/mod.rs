pub mod forms;
pub mod layout;
pub mod session;
