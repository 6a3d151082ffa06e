pub mod forms;
pub mod hydration;
pub mod layout;
pub mod live;
pub mod rich;
pub mod session;
pub mod upload;
pub mod week;
