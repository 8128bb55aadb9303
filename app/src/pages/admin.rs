//! Admin: how each source's files are read. Every change is recorded in the audit trail.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, ErrorNotice};
use crate::layout::PageHeader;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceSetting {
    pub source: String,
    pub strict: bool,
}

#[server(endpoint = "admin/sources")]
pub async fn source_settings() -> Result<Vec<SourceSetting>, AppError> {
    crate::auth::server::require(domain::access::Permission::Administer).await?;
    let state = crate::state::AppState::from_context()?;
    let settings = domain::ingest::strict_sources(&state.pool).await.map_err(|e| AppError::database(&e))?;
    Ok(settings
        .into_iter()
        .map(|(s, strict)| SourceSetting { source: s.code().to_owned(), strict })
        .collect())
}

#[server(endpoint = "admin/sources/strictness")]
pub async fn set_source_strictness(source: String, strict: String) -> Result<(), AppError> {
    let user = crate::auth::server::require(domain::access::Permission::Administer).await?;
    let state = crate::state::AppState::from_context()?;
    let source = domain::ingest::Source::from_code(&source)
        .ok_or_else(|| AppError::Invalid(format!("'{source}' is not a feed source")))?;
    let strict = match strict.as_str() {
        "strict" => true,
        "lenient" => false,
        other => return Err(AppError::Invalid(format!("'{other}' is neither strict nor lenient"))),
    };
    let event =
        user.audit_event(domain::audit::AuditAction::SettingChanged, crate::auth::server::client_address());
    domain::ingest::set_strictness(&state.pool, event, source, strict)
        .await
        .map_err(|e| AppError::database(&e))
}

#[component]
pub fn AdminPage() -> impl IntoView {
    let save = ServerAction::<SetSourceStrictness>::new();
    let settings = Resource::new(move || save.version().get(), |_| source_settings());
    view! {
        <PageHeader title="Admin" lede="Feeds, runs and settings."/>
        <section class="card narrow" aria-labelledby="sources-heading">
            <h2 id="sources-heading">"How feed files are read"</h2>
            <p class="muted">
                "Lenient: a record with a bad field becomes an exception item and the rest of the file loads. "
                "Strict: one bad record quarantines the whole file. Applies to files ingested from now on."
            </p>
            {move || save.value().get().map(|outcome| match outcome {
                Ok(()) => view! { <p class="form-ok" role="status">"Saved."</p> }.into_any(),
                Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
            })}
            <ErrorBoundary fallback=|errors| view! { <ErrorNotice errors/> }>
                <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        settings.await.map(|settings| settings.into_iter().map(|s| {
                            let id = format!("strictness-{}", s.source);
                            let (source, label) = (s.source.clone(), s.source.clone());
                            view! {
                                <ActionForm action=save attr:class="inline-form" attr:data-source=s.source>
                                    <input type="hidden" name="source" value=source/>
                                    <label for=id.clone()>{label}</label>
                                    <select id=id name="strict">
                                        <option value="lenient" selected=!s.strict>"Lenient"</option>
                                        <option value="strict" selected=s.strict>"Strict"</option>
                                    </select>
                                    <button type="submit" class="button small">"Save"</button>
                                </ActionForm>
                            }
                        }).collect_view())
                    })}
                </Transition>
            </ErrorBoundary>
        </section>
    }
}
