//! TLS for `sslmode`, with rustls. The server name is sent as SNI (hosted PostgreSQL such as
//! Neon routes connections on it).
//!
//! | sslmode | encrypts | checks the certificate chain | checks the host name |
//! |---|---|---|---|
//! | disable | no | | |
//! | allow, prefer | if the server offers | no | no |
//! | require | yes | only when `sslrootcert` is given (as libpq) | no |
//! | verify-ca | yes | yes | no |
//! | verify-full | yes | yes | yes |
//!
//! Roots: the `sslrootcert` PEM file, else `~/.postgresql/root.crt` if present, else the Mozilla
//! roots bundled by webpki-roots (so hosted databases with public certificates work out of the
//! box).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::connect_options::{ConnectOptions, SslMode, SslNegotiation};

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read the root certificate {path}: {message}")]
    RootCertificate { path: PathBuf, message: String },
    #[error("cannot set up TLS: {0}")]
    Setup(String),
}

/// The rustls configuration for `options`, or `None` for `sslmode=disable`.
pub fn client_config(
    options: &ConnectOptions,
    home: Option<&Path>,
) -> Result<Option<ClientConfig>, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Setup(e.to_string()))?;
    let explicit_root = options.sslrootcert.clone();
    let default_root = home
        .map(|h| h.join(".postgresql/root.crt"))
        .filter(|p| p.exists());
    let verify_chain = match options.sslmode {
        SslMode::Disable => return Ok(None),
        SslMode::Allow | SslMode::Prefer => false,
        SslMode::Require => explicit_root.is_some(),
        SslMode::VerifyCa | SslMode::VerifyFull => true,
    };
    let config = if verify_chain {
        let roots = Arc::new(root_store(
            explicit_root.as_deref().or(default_root.as_deref()),
        )?);
        let verifier = WebPkiServerVerifier::builder_with_provider(roots, provider)
            .build()
            .map_err(|e| TlsError::Setup(e.to_string()))?;
        let verifier: Arc<dyn ServerCertVerifier> = if options.sslmode == SslMode::VerifyFull {
            verifier
        } else {
            Arc::new(ChainOnly(verifier))
        };
        builder
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth()
    } else {
        let schemes = provider
            .signature_verification_algorithms
            .supported_schemes();
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(EncryptOnly(schemes, provider)))
            .with_no_client_auth()
    };
    let mut config = config;
    if options.ssl_negotiation == SslNegotiation::Direct {
        // A direct TLS connection must name the protocol (PostgreSQL 17 refuses one without).
        config.alpn_protocols = vec![b"postgresql".to_vec()];
    }
    Ok(Some(config))
}

fn root_store(path: Option<&Path>) -> Result<RootCertStore, TlsError> {
    let mut store = RootCertStore::empty();
    let Some(path) = path else {
        store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        return Ok(store);
    };
    let error = |message: String| TlsError::RootCertificate {
        path: path.to_path_buf(),
        message,
    };
    let pem = fs_err::read(path).map_err(|e| error(e.to_string()))?;
    for certificate in rustls_pemfile::certs(&mut pem.as_slice()) {
        store
            .add(certificate.map_err(|e| error(e.to_string()))?)
            .map_err(|e| error(e.to_string()))?;
    }
    if store.is_empty() {
        return Err(error("no certificate in the file".to_owned()));
    }
    Ok(store)
}

/// `verify-ca`: the chain must lead to a trusted root; the name may differ.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidForName
                | rustls::CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// `prefer`/`require` without a root certificate: encrypt, trust the server as libpq does.
#[derive(Debug)]
struct EncryptOnly(Vec<SignatureScheme>, Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for EncryptOnly {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.1.signature_verification_algorithms,
        )
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.1.signature_verification_algorithms,
        )
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.clone()
    }
}
