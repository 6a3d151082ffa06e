//! What the REST API's OpenAPI document says besides each operation's own lines: the bearer
//! scheme, and the answers every operation may give.

pub struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The answers every operation may give besides its own: 401 without a live token, 403 outside
/// its scopes, 400 for unreadable query parameters, 429 when limited; and for those with a body,
/// 413 (too large), 415 (not JSON) and 422 (fields missing or invalid).
pub struct CommonResponses;

impl utoipa::Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{RefOr, ResponseBuilder};
        let error = |what: &str| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(what)
                    .content(
                        "application/json",
                        utoipa::openapi::ContentBuilder::new()
                            .schema(Some(utoipa::openapi::Ref::from_schema_name("ErrorBody")))
                            .build(),
                    )
                    .build(),
            )
        };
        let common = [
            ("400", "Parâmetros ou corpo ilegíveis"),
            ("401", "Token de API ausente, inválido ou revogado"),
            ("403", "Fora dos escopos do token"),
            ("429", "Limite de requisições atingido"),
        ];
        let with_body = [
            ("413", "Corpo grande demais"),
            ("415", "O corpo não é JSON"),
            ("422", "Campos ausentes ou inválidos"),
        ];
        for (path, item) in openapi.paths.paths.iter_mut() {
            if path.ends_with("/openapi.json") {
                continue;
            }
            let operations = [
                (&mut item.get, false),
                (&mut item.post, true),
                (&mut item.patch, true),
                (&mut item.put, true),
                (&mut item.delete, false),
            ];
            for (operation, has_body) in operations {
                let Some(op) = operation.as_mut() else {
                    continue;
                };
                let extra = if has_body { &with_body[..] } else { &[][..] };
                for (code, what) in common.iter().chain(extra) {
                    op.responses
                        .responses
                        .entry((*code).to_owned())
                        .or_insert_with(|| error(what));
                }
            }
        }
    }
}
