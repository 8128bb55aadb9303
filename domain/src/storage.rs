//! Object storage for feeds and reports: a local directory (the default on a laptop) or an S3
//! bucket, behind one small interface.
//!
//! Keys are `/`-separated relative paths such as `inbound/visa/2026-11-20/file.ctf`. Writes are
//! whole-object and atomic on both backends: a reader never sees half an object. Objects move as
//! streams between files and the store, so memory stays flat whatever their size.

use std::path::{Path, PathBuf};

use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_s3::primitives::ByteStream;
use chrono::{DateTime, Utc};
use tokio::io::AsyncWriteExt;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("'{0}' is not a valid object key (relative, '/'-separated, no empty, '.' or '..' parts)")]
    InvalidKey(String),
    #[error("object '{0}' does not exist")]
    NotFound(String),
    #[error("local storage failed for '{key}': {source}")]
    Local { key: String, source: std::io::Error },
    #[error("S3 request for '{key}' failed: {message}")]
    S3 { key: String, message: String },
}

/// An object being read.
pub type ObjectReader = std::pin::Pin<Box<dyn tokio::io::AsyncRead + Send>>;

/// An object's key, size, and when it was last written (S3's `LastModified`, a local file's
/// modification time): when a delivered file arrived.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ObjectInfo {
    pub key: String,
    pub size: u64,
    pub last_modified: Option<DateTime<Utc>>,
}

/// Files above this go up in parts of this size: one PutObject stops at 5 GB, and a part that
/// fails is sent again alone. 64 MiB parts allow objects up to 640 GB (10,000 parts).
const MULTIPART_PART_BYTES: u64 = 64 * 1024 * 1024;

/// Uploads the file at `path` in parts of `part_bytes` (each read from the file as it is sent).
/// The object appears whole when the upload completes, or not at all: a failed upload is
/// aborted, so no parts are left behind to be billed.
async fn put_in_parts(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    path: &Path,
    size: u64,
    part_bytes: u64,
) -> Result<(), StorageError> {
    use aws_sdk_s3::primitives::Length;
    use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
    let started = client
        .create_multipart_upload()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map_err(|e| s3_error(key, e))?;
    let upload_id = started.upload_id().ok_or_else(|| StorageError::S3 {
        key: key.to_owned(),
        message: "the server started a multipart upload without an upload id".into(),
    })?;
    let upload = async {
        let mut parts = Vec::new();
        let mut offset = 0;
        while offset < size {
            let length = part_bytes.min(size - offset);
            let number = i32::try_from(parts.len() + 1)
                .map_err(|_| StorageError::S3 { key: key.to_owned(), message: "too many parts".into() })?;
            let body = ByteStream::read_from()
                .path(path)
                .offset(offset)
                .length(Length::Exact(length))
                .build()
                .await
                .map_err(|e| s3_error(key, e))?;
            let sent = client
                .upload_part()
                .bucket(bucket)
                .key(key)
                .upload_id(upload_id)
                .part_number(number)
                .body(body)
                .send()
                .await
                .map_err(|e| s3_error(key, e))?;
            parts.push(
                CompletedPart::builder()
                    .part_number(number)
                    .set_e_tag(sent.e_tag().map(str::to_owned))
                    .build(),
            );
            offset += length;
        }
        client
            .complete_multipart_upload()
            .bucket(bucket)
            .key(key)
            .upload_id(upload_id)
            .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(parts)).build())
            .send()
            .await
            .map_err(|e| s3_error(key, e))?;
        Ok(())
    };
    let outcome: Result<(), StorageError> = upload.await;
    if outcome.is_err() {
        let _ = client.abort_multipart_upload().bucket(bucket).key(key).upload_id(upload_id).send().await;
    }
    outcome
}

/// S3's timestamp as chrono's.
fn s3_time(t: &aws_sdk_s3::primitives::DateTime) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(t.secs(), t.subsec_nanos())
}

/// A local file's modification time.
fn file_time(meta: &std::fs::Metadata) -> Option<DateTime<Utc>> {
    meta.modified().ok().map(DateTime::<Utc>::from)
}

/// Where S3 objects live, as configured.
#[derive(Clone)]
pub struct S3Settings {
    /// A custom endpoint (an S3-compatible server); `None` for AWS itself.
    pub endpoint: Option<String>,
    pub region: String,
    pub bucket: String,
    pub path_style: bool,
    /// Static keys, when configured; without them the AWS default credential chain is used
    /// (environment, shared profile, web identity, container and instance roles), which is how a
    /// bank's production normally grants access: a role, no long-lived secret.
    pub keys: Option<StaticKeys>,
}

#[derive(Clone)]
pub struct StaticKeys {
    pub access_key: String,
    pub secret_key: String,
}

impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("bucket", &self.bucket)
            .field("path_style", &self.path_style)
            .field("keys", &self.keys.as_ref().map_or("default chain", |_| "[redacted]"))
            .finish()
    }
}

#[derive(Debug, Clone)]
pub enum ObjectStore {
    Local { root: PathBuf },
    S3 { client: aws_sdk_s3::Client, bucket: String },
}

impl ObjectStore {
    pub fn local(root: impl Into<PathBuf>) -> Self {
        ObjectStore::Local { root: root.into() }
    }

    pub async fn s3(settings: &S3Settings) -> Self {
        let region = Region::new(settings.region.clone());
        let mut config = aws_sdk_s3::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(region.clone())
            .force_path_style(settings.path_style);
        config = match &settings.keys {
            Some(keys) => config.credentials_provider(Credentials::new(
                &keys.access_key,
                &keys.secret_key,
                None,
                None,
                "settledesk",
            )),
            None => config.credentials_provider(
                aws_config::default_provider::credentials::DefaultCredentialsChain::builder()
                    .region(region)
                    .build()
                    .await,
            ),
        };
        if let Some(endpoint) = &settings.endpoint {
            config = config.endpoint_url(endpoint);
        }
        ObjectStore::S3 {
            client: aws_sdk_s3::Client::from_conf(config.build()),
            bucket: settings.bucket.clone(),
        }
    }

    /// Stores the file at `path` under `key`, replacing any object there.
    pub async fn put_file(&self, key: &str, path: &Path) -> Result<(), StorageError> {
        check_key(key)?;
        match self {
            ObjectStore::Local { root } => {
                let local = |source| StorageError::Local { key: key.to_owned(), source };
                let target = local_target(root, key).await?;
                // Copy beside the target, then rename: atomic within one file system.
                let partial = target.with_file_name(format!(".{}.partial", uuid_like()));
                tokio::fs::copy(path, &partial).await.map_err(local)?;
                tokio::fs::rename(&partial, &target).await.map_err(local)
            }
            ObjectStore::S3 { client, bucket } => {
                let size = tokio::fs::metadata(path)
                    .await
                    .map_err(|source| StorageError::Local { key: key.to_owned(), source })?
                    .len();
                if size > MULTIPART_PART_BYTES {
                    return put_in_parts(client, bucket, key, path, size, MULTIPART_PART_BYTES).await;
                }
                let body = ByteStream::from_path(path).await.map_err(|e| s3_error(key, e))?;
                client
                    .put_object()
                    .bucket(bucket)
                    .key(key)
                    .body(body)
                    .send()
                    .await
                    .map_err(|e| s3_error(key, e))?;
                Ok(())
            }
        }
    }

    /// Stores the file at `path` under `key`, as [`Self::put_file`], and removes the file at
    /// `path`. A local store on the same file system renames it into place: a day's reports are
    /// gigabytes, and copying them cost a run a second write and read of every byte (this machine
    /// copies into fresh page cache at well under 1 GB/s).
    pub async fn move_file(&self, key: &str, path: &Path) -> Result<(), StorageError> {
        check_key(key)?;
        if let ObjectStore::Local { root } = self {
            // Atomic, as put_file's rename of its copy; across file systems it fails at once
            // (EXDEV), and the file is copied instead.
            if tokio::fs::rename(path, local_target(root, key).await?).await.is_ok() {
                return Ok(());
            }
        }
        self.put_file(key, path).await?;
        tokio::fs::remove_file(path)
            .await
            .map_err(|source| StorageError::Local { key: key.to_owned(), source })
    }

    /// Opens the object for reading as a stream (constant memory whatever its size), with its size.
    pub async fn open(&self, key: &str) -> Result<(u64, ObjectReader), StorageError> {
        check_key(key)?;
        match self {
            ObjectStore::Local { root } => {
                let file = match tokio::fs::File::open(root.join(key)).await {
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        return Err(StorageError::NotFound(key.to_owned()))
                    }
                    other => other.map_err(|source| StorageError::Local { key: key.to_owned(), source })?,
                };
                let size = file
                    .metadata()
                    .await
                    .map_err(|source| StorageError::Local { key: key.to_owned(), source })?
                    .len();
                Ok((size, Box::pin(file)))
            }
            ObjectStore::S3 { client, bucket } => {
                let object = get_object(client, bucket, key).await?;
                let size = object.content_length.unwrap_or(0).max(0) as u64;
                Ok((size, Box::pin(object.body.into_async_read())))
            }
        }
    }

    /// The object as a readable local file. The local backend opens the object where it lies (a
    /// day's inbound files are gigabytes: copying them cost a run seconds of kernel time); S3
    /// downloads it to `scratch`, opens it and removes the name, so the file goes when the handle
    /// does. Either way the handle reads one version of the object, even if it is replaced while
    /// being read (local writes replace by rename).
    pub async fn open_local(&self, key: &str, scratch: &Path) -> Result<std::fs::File, StorageError> {
        check_key(key)?;
        let local = |source| StorageError::Local { key: key.to_owned(), source };
        let path = match self {
            ObjectStore::Local { root } => root.join(key),
            ObjectStore::S3 { .. } => {
                self.download_to(key, scratch).await?;
                scratch.to_path_buf()
            }
        };
        let file = match std::fs::File::open(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(StorageError::NotFound(key.to_owned()))
            }
            other => other.map_err(local)?,
        };
        if matches!(self, ObjectStore::S3 { .. }) {
            std::fs::remove_file(scratch).map_err(local)?;
        }
        Ok(file)
    }

    /// When the object was last written (it arrived); `None` if the store cannot tell.
    pub async fn last_modified(&self, key: &str) -> Result<Option<DateTime<Utc>>, StorageError> {
        check_key(key)?;
        match self {
            ObjectStore::Local { root } => match tokio::fs::metadata(root.join(key)).await {
                Ok(meta) => Ok(file_time(&meta)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    Err(StorageError::NotFound(key.to_owned()))
                }
                Err(source) => Err(StorageError::Local { key: key.to_owned(), source }),
            },
            ObjectStore::S3 { client, bucket } => {
                let head = client.head_object().bucket(bucket).key(key).send().await.map_err(|e| {
                    if e.as_service_error().is_some_and(|s| s.is_not_found()) {
                        StorageError::NotFound(key.to_owned())
                    } else {
                        s3_error(key, e)
                    }
                })?;
                Ok(head.last_modified().and_then(s3_time))
            }
        }
    }

    /// Writes the object to the file at `path`, and returns its size.
    pub async fn download_to(&self, key: &str, path: &Path) -> Result<u64, StorageError> {
        check_key(key)?;
        let local = |source| StorageError::Local { key: key.to_owned(), source };
        match self {
            ObjectStore::Local { root } => match tokio::fs::copy(root.join(key), path).await {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    Err(StorageError::NotFound(key.to_owned()))
                }
                other => other.map_err(local),
            },
            ObjectStore::S3 { client, bucket } => {
                let object = get_object(client, bucket, key).await?;
                let mut body = object.body;
                let mut file = tokio::fs::File::create(path).await.map_err(local)?;
                let mut size = 0u64;
                while let Some(chunk) = body.try_next().await.map_err(|e| s3_error(key, e))? {
                    size += chunk.len() as u64;
                    file.write_all(&chunk).await.map_err(local)?;
                }
                file.flush().await.map_err(local)?;
                Ok(size)
            }
        }
    }

    /// Every object whose key starts with `prefix`, by key.
    pub async fn list(&self, prefix: &str) -> Result<Vec<ObjectInfo>, StorageError> {
        let mut found = Vec::new();
        match self {
            ObjectStore::Local { root } => {
                let local = |source| StorageError::Local { key: prefix.to_owned(), source };
                let mut stack = vec![root.clone()];
                while let Some(dir) = stack.pop() {
                    let mut entries = match tokio::fs::read_dir(&dir).await {
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                        other => other.map_err(local)?,
                    };
                    while let Some(entry) = entries.next_entry().await.map_err(local)? {
                        let path = entry.path();
                        let meta = entry.metadata().await.map_err(local)?;
                        if meta.is_dir() {
                            stack.push(path);
                            continue;
                        }
                        let Ok(relative) = path.strip_prefix(root) else { continue };
                        let key = relative.to_string_lossy().replace('\\', "/");
                        let hidden = key.split('/').any(|part| part.starts_with('.'));
                        if !hidden && key.starts_with(prefix) {
                            found.push(ObjectInfo { key, size: meta.len(), last_modified: file_time(&meta) });
                        }
                    }
                }
            }
            ObjectStore::S3 { client, bucket } => {
                let mut pages =
                    client.list_objects_v2().bucket(bucket).prefix(prefix).into_paginator().send();
                while let Some(page) = pages.next().await {
                    let page = page.map_err(|e| s3_error(prefix, e))?;
                    for object in page.contents() {
                        if let Some(key) = object.key() {
                            found.push(ObjectInfo {
                                key: key.to_owned(),
                                size: object.size().unwrap_or(0) as u64,
                                last_modified: object.last_modified().and_then(s3_time),
                            });
                        }
                    }
                }
            }
        }
        found.sort();
        Ok(found)
    }
}

/// Where a local store keeps `key` (already checked), its directory created.
async fn local_target(root: &Path, key: &str) -> Result<PathBuf, StorageError> {
    let target = root.join(key);
    let dir = target.parent().expect("a key has a file name");
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|source| StorageError::Local { key: key.to_owned(), source })?;
    Ok(target)
}

/// Whether `key` names a file the store may hold: no empty, hidden or parent parts (an S3 listing
/// also returns folder markers, `inbound/visa/D/`, and files like `.DS_Store`, which are no feed).
pub fn is_file_key(key: &str) -> bool {
    !key.is_empty()
        && !key.starts_with('/')
        && key
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != ".." && !part.starts_with('.'))
        && !key.contains('\\')
}

fn check_key(key: &str) -> Result<(), StorageError> {
    if is_file_key(key) {
        Ok(())
    } else {
        Err(StorageError::InvalidKey(key.to_owned()))
    }
}

fn s3_error(key: &str, e: impl std::error::Error) -> StorageError {
    // The SDK's Display is terse; its source chain says what the server answered.
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    StorageError::S3 { key: key.to_owned(), message }
}

/// Starts reading an S3 object; a missing key is [`StorageError::NotFound`].
async fn get_object(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
) -> Result<aws_sdk_s3::operation::get_object::GetObjectOutput, StorageError> {
    client.get_object().bucket(bucket).key(key).send().await.map_err(|e| {
        if e.as_service_error().is_some_and(|s| s.is_no_such_key()) {
            StorageError::NotFound(key.to_owned())
        } else {
            s3_error(key, e)
        }
    })
}

/// A name unique enough for a temporary file beside its target.
fn uuid_like() -> String {
    use rand::Rng;
    format!("{:016x}", rand::thread_rng().gen::<u64>())
}

/// A real S3-API server for tests, here and in the server's integration tests (feature `testing`).
#[cfg(any(test, feature = "testing"))]
pub mod testing {
    use std::net::TcpListener;
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    use super::S3Settings;

    /// A real S3-API server (`s3s-fs`, which checks SigV4 signatures) on a free loopback port,
    /// stopped when dropped.
    pub struct S3Server {
        child: Child,
        pub settings: S3Settings,
        _data: tempfile::TempDir,
    }

    impl S3Server {
        pub fn start() -> S3Server {
            let data = tempfile::tempdir().unwrap();
            std::fs::create_dir(data.path().join("settledesk")).unwrap(); // the bucket
            let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
            let child = Command::new("s3s-fs")
                .args([
                    "--host",
                    "127.0.0.1",
                    "--port",
                    &port.to_string(),
                    "--access-key",
                    "AKTEST",
                    "--secret-key",
                    "SKTEST",
                ])
                .arg(data.path())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("s3s-fs is installed (./test installs it)");
            let started = Instant::now();
            while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
                assert!(started.elapsed() < Duration::from_secs(10), "s3s-fs did not start");
                std::thread::sleep(Duration::from_millis(20));
            }
            let settings = S3Settings {
                endpoint: Some(format!("http://127.0.0.1:{port}")),
                region: "us-east-1".into(),
                bucket: "settledesk".into(),
                path_style: true,
                keys: Some(super::StaticKeys { access_key: "AKTEST".into(), secret_key: "SKTEST".into() }),
            };
            S3Server { child, settings, _data: data }
        }
    }

    impl Drop for S3Server {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::S3Server;
    use super::*;

    fn file_with(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// The behaviour both backends must share.
    async fn behaves_like_an_object_store(store: &ObjectStore) {
        let work = tempfile::tempdir().unwrap();
        let big: Vec<u8> = (0..12_000_000u32).map(|i| (i % 251) as u8).collect();
        let source = file_with(work.path(), "big.bin", &big);
        store.put_file("inbound/visa/2026-11-20/big.ctf", &source).await.unwrap();
        store
            .put_file("inbound/zelle/2026-11-20/a.csv", &file_with(work.path(), "a", b"first"))
            .await
            .unwrap();
        store
            .put_file("inbound/zelle/2026-11-20/a.csv", &file_with(work.path(), "b", b"second"))
            .await
            .unwrap();
        // A moved file is stored and gone from where it was.
        let moved = file_with(work.path(), "moved", b"moved here");
        store.move_file("moved/2026-11-20/moved.csv", &moved).await.unwrap();
        assert!(!moved.exists(), "the moved file is still in the work directory");
        let back = work.path().join("moved-back");
        store.download_to("moved/2026-11-20/moved.csv", &back).await.unwrap();
        assert_eq!(std::fs::read(&back).unwrap(), b"moved here");

        let back = work.path().join("back.bin");
        assert_eq!(
            store.download_to("inbound/visa/2026-11-20/big.ctf", &back).await.unwrap(),
            big.len() as u64
        );
        assert!(std::fs::read(&back).unwrap() == big, "the object comes back byte for byte");
        let (size, mut reader) = store.open("inbound/visa/2026-11-20/big.ctf").await.unwrap();
        let mut streamed = Vec::new();
        tokio::io::AsyncReadExt::read_to_end(&mut reader, &mut streamed).await.unwrap();
        assert_eq!(size, big.len() as u64);
        assert!(streamed == big, "an opened object streams byte for byte");
        assert!(matches!(store.open("inbound/missing.csv").await, Err(StorageError::NotFound(_))));
        // A local file of the object reads one version of it, whatever is put over it meanwhile.
        let scratch = work.path().join("scratch");
        let mut local = store.open_local("inbound/visa/2026-11-20/big.ctf", &scratch).await.unwrap();
        store
            .put_file("inbound/visa/2026-11-20/big.ctf", &file_with(work.path(), "c", b"replaced"))
            .await
            .unwrap();
        let mut read = Vec::new();
        std::io::Read::read_to_end(&mut local, &mut read).unwrap();
        assert!(read == big, "the local file holds the object as it was opened");
        assert!(!scratch.exists(), "no scratch copy is left behind");
        store.put_file("inbound/visa/2026-11-20/big.ctf", &source).await.unwrap();
        assert!(matches!(
            store.open_local("inbound/missing.csv", &scratch).await,
            Err(StorageError::NotFound(_))
        ));
        store.download_to("inbound/zelle/2026-11-20/a.csv", &back).await.unwrap();
        assert_eq!(std::fs::read(&back).unwrap(), b"second", "a put replaces the object");

        let listed = store.list("inbound/").await.unwrap();
        assert_eq!(
            listed.iter().map(|o| (o.key.as_str(), o.size)).collect::<Vec<_>>(),
            vec![
                ("inbound/visa/2026-11-20/big.ctf", big.len() as u64),
                ("inbound/zelle/2026-11-20/a.csv", 6)
            ]
        );
        // When each arrived: the listing and the object itself agree, and it is about now (the
        // store's clock may differ from ours by a little; not by an hour).
        for object in &listed {
            let arrived = object.last_modified.expect("the store tells when an object was written");
            // To the second: S3 sends a listing's times in ISO 8601 and a HEAD's as an HTTP date.
            let head = store.last_modified(&object.key).await.unwrap().expect("a time");
            assert_eq!(head.timestamp(), arrived.timestamp());
            assert!((chrono::Utc::now() - arrived).num_minutes().abs() < 60, "{arrived}");
        }
        assert!(matches!(store.last_modified("inbound/missing.csv").await, Err(StorageError::NotFound(_))));
        assert_eq!(store.list("inbound/zelle/").await.unwrap().len(), 1);
        assert!(store.list("reports/").await.unwrap().is_empty());

        assert!(matches!(
            store.download_to("inbound/missing.csv", &back).await,
            Err(StorageError::NotFound(_))
        ));
        for bad in ["../escape", "/absolute", "a//b", "inbound/.hidden", ""] {
            assert!(matches!(store.put_file(bad, &source).await, Err(StorageError::InvalidKey(_))), "{bad}");
        }
    }

    #[test]
    fn only_keys_a_store_may_hold_are_files() {
        assert!(is_file_key("inbound/visa/2026-11-20/v.ctf"));
        // What an S3 listing also returns, and no feed is: a folder marker, a hidden file.
        assert!(!is_file_key("inbound/visa/2026-11-20/"));
        assert!(!is_file_key("inbound/visa/2026-11-20/.DS_Store"));
        assert!(!is_file_key("inbound/../secrets"));
        assert!(!is_file_key("/etc/passwd"));
    }

    #[tokio::test]
    async fn the_local_directory_store() {
        let root = tempfile::tempdir().unwrap();
        behaves_like_an_object_store(&ObjectStore::local(root.path())).await;
    }

    #[tokio::test]
    async fn the_s3_store_against_a_real_s3_api_server() {
        let server = S3Server::start();
        behaves_like_an_object_store(&ObjectStore::s3(&server.settings).await).await;
    }

    #[tokio::test]
    async fn a_large_file_goes_up_in_parts_and_reads_back_whole() {
        let server = S3Server::start();
        let store = ObjectStore::s3(&server.settings).await;
        let ObjectStore::S3 { client, bucket } = &store else { unreachable!() };
        let work = tempfile::tempdir().unwrap();
        // 11 MiB and a bit in 5 MiB parts (S3's smallest): three parts, the last a short one.
        let bytes: Vec<u8> = (0..11 * 1024 * 1024 + 321).map(|i: u32| (i % 251) as u8).collect();
        let path = file_with(work.path(), "report.csv", &bytes);
        put_in_parts(client, bucket, "reports/big.csv", &path, bytes.len() as u64, 5 * 1024 * 1024)
            .await
            .unwrap();
        let back = work.path().join("back.csv");
        assert_eq!(store.download_to("reports/big.csv", &back).await.unwrap(), bytes.len() as u64);
        assert!(std::fs::read(&back).unwrap() == bytes, "the object is the file, byte for byte");
    }

    #[tokio::test]
    async fn a_wrong_secret_is_refused_by_the_server() {
        let server = S3Server::start();
        let forged = S3Settings {
            keys: Some(StaticKeys { access_key: "AKTEST".into(), secret_key: "not-the-secret".into() }),
            ..server.settings.clone()
        };
        let work = tempfile::tempdir().unwrap();
        let err = ObjectStore::s3(&forged)
            .await
            .put_file("inbound/x.csv", &file_with(work.path(), "x", b"x"))
            .await
            .unwrap_err();
        assert!(matches!(err, StorageError::S3 { .. }), "{err}");
        assert!(
            ObjectStore::s3(&server.settings).await.list("inbound/").await.unwrap().is_empty(),
            "nothing was written"
        );
        assert!(!format!("{forged:?}").contains("not-the-secret"));
    }
}
