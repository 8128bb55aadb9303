//! Delivering alerts (raised by `domain::alerts`) to operations: a JSON webhook signed with
//! HMAC-SHA-256, and mail over SMTP (`lettre`). Runs in housekeeping every minute on the job
//! runner, and as `server alerts send` from a shell or cron.
//!
//! Webhook: `POST` of `{"id", "kind", "summary", "details", "raised_at"}` with headers
//! `X-SettleDesk-Timestamp` (Unix seconds) and `X-SettleDesk-Signature: sha256=<hex>`, the
//! HMAC-SHA-256 under `SETTLEDESK_ALERT_WEBHOOK_SECRET` of `"<timestamp>.<body>"`: a receiver
//! checks the signature, refuses an old timestamp (a replay), and tells a redelivery apart by the id.

use std::time::Duration;

use anyhow::Context;
use domain::alerts::{Alert, Channel};
use hmac::{Hmac, Mac};
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sha2::Sha256;
use sqlx::PgPool;

use crate::config::{AlertConfig, MailConfig, SmtpSecurity, WebhookConfig};

/// Alerts delivered per round: a backlog drains over a few rounds instead of one long one.
const BATCH: i64 = 50;

/// One round: raise what holds now, then deliver what is undelivered on each configured channel.
pub async fn once(pool: &PgPool, config: &AlertConfig) -> anyhow::Result<()> {
    let raised = domain::alerts::raise(pool, chrono::Utc::now(), &config.waits).await?;
    if raised > 0 {
        tracing::info!(raised, "alerts raised");
        metrics::counter!("settledesk_alerts_raised_total").increment(raised);
    }
    let (webhook, mail) = (config.webhook.as_ref(), config.mail.as_ref());
    if webhook.is_none() && mail.is_none() {
        return Ok(());
    }
    let mailer = mail.map(mailer).transpose()?;
    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build()?;
    for alert in domain::alerts::claim(pool, webhook.is_some(), mail.is_some(), BATCH).await? {
        if let (true, Some(webhook)) = (alert.needs_webhook, webhook) {
            let sent = post(&client, webhook, &alert).await;
            settle(pool, &alert, Channel::Webhook, sent).await?;
        }
        if let (true, Some(mail), Some(mailer)) = (alert.needs_mail, mail, mailer.as_ref()) {
            let sent = send_mail(mailer, mail, &alert).await;
            settle(pool, &alert, Channel::Mail, sent).await?;
        }
    }
    Ok(())
}

async fn settle(
    pool: &PgPool,
    alert: &Alert,
    channel: Channel,
    sent: anyhow::Result<()>,
) -> anyhow::Result<()> {
    let label = match channel {
        Channel::Webhook => "webhook",
        Channel::Mail => "mail",
    };
    match sent {
        Ok(()) => {
            metrics::counter!("settledesk_alerts_delivered_total", "channel" => label).increment(1);
            domain::alerts::delivered(pool, alert.id, channel).await?;
        }
        Err(e) => {
            metrics::counter!("settledesk_alert_delivery_failures_total", "channel" => label).increment(1);
            tracing::warn!(alert = alert.id, channel = label, error = %format!("{e:#}"), "alert not delivered; trying again");
            domain::alerts::failed(pool, alert.id, &format!("{label}: {e:#}")).await?;
        }
    }
    Ok(())
}

/// The signature a receiver checks: HMAC-SHA-256 of `"<timestamp>.<body>"`, in hex.
pub fn signature(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

async fn post(client: &reqwest::Client, webhook: &WebhookConfig, alert: &Alert) -> anyhow::Result<()> {
    let body = serde_json::to_vec(alert)?;
    let timestamp = chrono::Utc::now().timestamp();
    let signed = signature(webhook.secret.expose().as_bytes(), timestamp, &body);
    let response = client
        .post(&webhook.url)
        .header(http::header::CONTENT_TYPE, "application/json")
        .header("x-settledesk-timestamp", timestamp.to_string())
        .header("x-settledesk-signature", format!("sha256={signed}"))
        .body(body)
        .send()
        .await
        // The URL may carry a token: never in the log.
        .map_err(|e| anyhow::anyhow!("the webhook could not be reached: {}", e.without_url()))?;
    anyhow::ensure!(response.status().is_success(), "the webhook answered {}", response.status());
    Ok(())
}

fn mailer(mail: &MailConfig) -> anyhow::Result<AsyncSmtpTransport<Tokio1Executor>> {
    let builder = match mail.security {
        SmtpSecurity::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&mail.host),
        SmtpSecurity::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&mail.host)?,
        SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&mail.host)?,
    };
    let mut builder = builder.port(mail.port).timeout(Some(Duration::from_secs(15)));
    if let Some((user, password)) = &mail.credentials {
        builder = builder.credentials(Credentials::new(user.clone(), password.expose().to_owned()));
    }
    Ok(builder.build())
}

async fn send_mail(
    mailer: &AsyncSmtpTransport<Tokio1Executor>,
    mail: &MailConfig,
    alert: &Alert,
) -> anyhow::Result<()> {
    let mut message = Message::builder()
        .from(mail.from.parse::<Mailbox>().context("SETTLEDESK_ALERT_MAIL_FROM")?)
        .subject(format!("[SettleDesk] {}", alert.summary));
    for to in &mail.to {
        message = message.to(to.parse::<Mailbox>().context("SETTLEDESK_ALERT_MAIL_TO")?);
    }
    let text = format!(
        "{}\n\nAlert {} ({}), raised {}.\n\n{}\n",
        alert.summary,
        alert.id,
        alert.kind,
        alert.raised_at.to_rfc3339(),
        serde_json::to_string_pretty(&alert.details)?
    );
    mailer.send(message.body(text)?).await?;
    Ok(())
}
