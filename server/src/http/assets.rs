//! The site's build output under `/pkg`: wasm, its split chunks, JS and CSS. Served as the
//! build precompressed them (brotli, then gzip, by `Accept-Encoding`), and, when their names carry
//! content hashes, cached by browsers for a year without revalidation.

use axum::http::{header, HeaderValue};
use axum::Router;
use backend::AppState;
use leptos::config::LeptosOptions;
use std::path::PathBuf;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// A hashed name changes with its content, so a year is safe; unhashed names (a development
/// build) must be revalidated.
pub fn cache_control(hashed: bool) -> HeaderValue {
    HeaderValue::from_static(if hashed {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    })
}

pub fn router(options: &LeptosOptions) -> Router<AppState> {
    let dir = PathBuf::from(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
    let files = ServeDir::new(dir).precompressed_br().precompressed_gzip();
    let path = format!("/{}", options.site_pkg_dir.trim_matches('/'));
    Router::new().nest_service(
        &path,
        tower::ServiceBuilder::new()
            .layer(SetResponseHeaderLayer::overriding(
                header::CACHE_CONTROL,
                cache_control(options.hash_files),
            ))
            .service(files),
    )
}
