//! A CA made for one test and a certificate for 127.0.0.1 / localhost signed by it, for https test
//! servers (ours on rustls, or nginx) whose clients trust the CA through `[target] ca_file`.

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::CertificateDer;

/// The CA and the server's certificate and key, in PEM and DER.
pub struct TestCerts {
    /// The CA's certificate (for `ca_file`).
    pub ca_pem: String,
    /// The server's certificate.
    pub leaf_pem: String,
    /// The server's private key (PKCS#8).
    pub key_pem: String,
    /// The server's certificate, then the CA's.
    pub chain: Vec<CertificateDer<'static>>,
    /// The server's private key, PKCS#8 DER.
    pub key_der: Vec<u8>,
}

/// A new CA and a certificate for 127.0.0.1 and localhost signed by it.
pub fn test_certificates() -> TestCerts {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Stampede test CA");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("CA key"))
        .expect("CA certificate");
    let key = KeyPair::generate().expect("server key");
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
        .expect("server params")
        .signed_by(&key, &*ca)
        .expect("server certificate");
    TestCerts {
        ca_pem: ca.pem(),
        leaf_pem: leaf.pem(),
        key_pem: key.serialize_pem(),
        chain: vec![leaf.der().clone(), ca.der().clone()],
        key_der: key.serialize_der(),
    }
}
