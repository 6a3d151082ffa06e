//! Black-box tests of the HTTP surface: each test starts the real application on a random port
//! against its own PostgreSQL database and a private Redis namespace. One binary for all of them,
//! so the suite links once.

mod analytics;
mod auth;
mod bad_input;
mod bot;
mod builder;
mod campaign_schedule;
mod campaign_segments;
mod campaign_settings;
mod campaigns;
mod common;
mod demo_campaign;
mod demo_mode;
mod flows;
mod health;
mod inbox;
mod inbox_actions;
mod jobs;
mod keys;
mod messenger;
mod rbac;
mod redis_restart;
mod rest_api;
mod setup;
mod sql;
mod status_batches;
mod templates;
mod totp;
mod users;
mod webchat;
mod whatsapp;
