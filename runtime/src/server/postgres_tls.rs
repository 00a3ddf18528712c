//! TLS to PostgreSQL, with `sslmode` and `sslrootcert` read as libpq reads them, so the URL
//! that works with `psql` works here:
//!
//! - `disable`: plain TCP;
//! - `allow`, `prefer` (the default): TLS when the server offers it, without checking its
//!   certificate (encrypted, not authenticated);
//! - `require`: TLS or no connection, certificate not checked;
//! - `verify-ca`: TLS with a certificate from a trusted root (the system's, plus
//!   `sslrootcert`);
//! - `verify-full`: as `verify-ca`, and the certificate names the host connected to.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, SignatureScheme};
use tokio_postgres::config::SslMode;
use tokio_postgres_rustls::MakeRustlsConnect;

use super::idempotency::StoreError;

/// The driver's configuration and TLS connector for a libpq-style URL or key=value string.
pub(crate) fn connection(
    url: &str,
) -> Result<(tokio_postgres::Config, MakeRustlsConnect), StoreError> {
    let (rest, mode, root) = take_tls_options(url);
    let mut config = tokio_postgres::Config::from_str(&rest)
        .map_err(|e| StoreError(format!("invalid Postgres URL: {e}")))?;
    let (ssl_mode, check) = match mode.as_deref().unwrap_or("prefer") {
        "disable" => (SslMode::Disable, Check::Nothing),
        "allow" | "prefer" => (SslMode::Prefer, Check::Nothing),
        "require" => (SslMode::Require, Check::Nothing),
        "verify-ca" => (SslMode::Require, Check::Chain),
        "verify-full" => (SslMode::Require, Check::ChainAndName),
        other => {
            return Err(StoreError(format!(
                "invalid Postgres URL: sslmode={other} (disable, allow, prefer, require, \
                 verify-ca or verify-full)"
            )))
        }
    };
    config.ssl_mode(ssl_mode);
    let roots = match &root {
        Some(path) => read_roots(Path::new(path))?,
        None => Vec::new(),
    };
    Ok((config, MakeRustlsConnect::new(client_config(check, roots)?)))
}

/// `url` without `sslmode` and `sslrootcert` (which the driver does not know, or reads
/// differently), and their values.
fn take_tls_options(url: &str) -> (String, Option<String>, Option<String>) {
    let (mut mode, mut root) = (None, None);
    if url.contains("://") {
        let Some((base, query)) = url.split_once('?') else {
            return (url.to_string(), None, None);
        };
        let mut kept = form_urlencoded::Serializer::new(String::new());
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            match &*name {
                "sslmode" => mode = Some(value.into_owned()),
                "sslrootcert" => root = Some(value.into_owned()),
                _ => {
                    kept.append_pair(&name, &value);
                }
            }
        }
        let kept = kept.finish();
        let rest = if kept.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{kept}")
        };
        return (rest, mode, root);
    }
    // key=value form (values without spaces or quotes).
    let mut kept = Vec::new();
    for part in url.split_whitespace() {
        match part.split_once('=') {
            Some(("sslmode", value)) => mode = Some(value.to_string()),
            Some(("sslrootcert", value)) => root = Some(value.to_string()),
            _ => kept.push(part),
        }
    }
    (kept.join(" "), mode, root)
}

fn read_roots(path: &Path) -> Result<Vec<CertificateDer<'static>>, StoreError> {
    let roots = CertificateDer::pem_file_iter(path)
        .and_then(|certificates| certificates.collect::<Result<Vec<_>, _>>())
        .map_err(|e| StoreError(format!("sslrootcert {}: {e}", path.display())))?;
    if roots.is_empty() {
        return Err(StoreError(format!(
            "sslrootcert {}: no PEM certificate in it",
            path.display()
        )));
    }
    Ok(roots)
}

#[derive(Debug, Clone, Copy)]
enum Check {
    Nothing,
    Chain,
    ChainAndName,
}

fn client_config(
    check: Check,
    roots: Vec<CertificateDer<'static>>,
) -> Result<ClientConfig, StoreError> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let tls_error = |e: rustls::Error| StoreError(format!("cannot set up TLS: {e}"));
    let verifier: Arc<dyn ServerCertVerifier> = match check {
        Check::Nothing => Arc::new(EncryptOnly(provider.clone())),
        Check::Chain | Check::ChainAndName => {
            let trusted =
                rustls_platform_verifier::Verifier::new_with_extra_roots(roots, provider.clone())
                    .map_err(tls_error)?;
            Arc::new(Trusted {
                inner: trusted,
                check_name: matches!(check, Check::ChainAndName),
            })
        }
    };
    Ok(ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(tls_error)?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

/// `prefer`/`require`: any certificate, as libpq; the handshake itself is still checked.
#[derive(Debug)]
struct EncryptOnly(Arc<CryptoProvider>);

impl ServerCertVerifier for EncryptOnly {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            signature,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            signature,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `verify-ca`/`verify-full`: a chain to a trusted root; the host name only for `verify-full`.
#[derive(Debug)]
struct Trusted {
    inner: rustls_platform_verifier::Verifier,
    check_name: bool,
}

impl ServerCertVerifier for Trusted {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verified = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        );
        match verified {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) if !self.check_name => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, signature)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, signature)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_options_are_taken_out_of_both_url_forms() {
        let (rest, mode, root) = take_tls_options(
            "postgres://u@h:5432/db?application_name=shop&sslmode=verify-full&sslrootcert=%2Fetc%2Fca%20x.pem",
        );
        assert_eq!(rest, "postgres://u@h:5432/db?application_name=shop");
        assert_eq!(mode.as_deref(), Some("verify-full"));
        assert_eq!(root.as_deref(), Some("/etc/ca x.pem"));

        let (rest, mode, root) = take_tls_options("host=h dbname=db sslmode=require user=u");
        assert_eq!(rest, "host=h dbname=db user=u");
        assert_eq!(mode.as_deref(), Some("require"));
        assert_eq!(root, None);

        assert_eq!(
            take_tls_options("postgres://u@h/db"),
            ("postgres://u@h/db".to_string(), None, None)
        );
    }

    #[test]
    fn bad_tls_options_are_refused_with_their_name() {
        let refusal = |url: &str| match connection(url) {
            Ok(_) => panic!("{url} accepted"),
            Err(error) => error.0,
        };
        let error = refusal("postgres://u@h/db?sslmode=strict");
        assert!(error.contains("sslmode=strict"), "{error}");
        let error = refusal("postgres://u@h/db?sslmode=verify-full&sslrootcert=/nonexistent.pem");
        assert!(error.contains("/nonexistent.pem"), "{error}");
    }
}
