//! The same rollup flow against anvil (`@foundry-rs/anvil`, pinned in `tools/js`), started on a
//! free loopback port by [`ccr_dev_chain::anvil::Anvil`].

use ccr_dev_chain::anvil::Anvil;

use crate::common::{eligibility_key, rollup_flow};

#[tokio::test(flavor = "multi_thread")]
async fn rollup_flow_on_anvil() {
    let anvil = Anvil::start().await.expect("anvil starts (scripts/deps installs it)");
    rollup_flow(anvil.url()).await;
}

/// An eligibility key that is no known development key (what a ceremony's looks like to the
/// deployment rule, which reads only the list of known development keys).
fn not_a_known_dev_key() -> ark_groth16::VerifyingKey<ark_bn254::Bn254> {
    use ark_ec::AffineRepr;
    let g1 = |k: u64| (ark_bn254::G1Affine::generator() * ark_bn254::Fr::from(k)).into();
    let g2 = |k: u64| (ark_bn254::G2Affine::generator() * ark_bn254::Fr::from(k)).into();
    ark_groth16::VerifyingKey {
        alpha_g1: g1(12_345),
        beta_g2: g2(12_346),
        gamma_g2: g2(12_347),
        delta_g2: g2(12_348),
        gamma_abc_g1: (0..15).map(|i| g1(12_350 + i)).collect(),
    }
}

/// The verifier of the insecure development key (the committed `Groth16Verifier`, or any
/// verifier of a key flagged `insecure_dev_setup`), or a known development eligibility key, is
/// refused on chain 1 before anything is deployed; a setup ceremony's key deploys there, and a
/// development key only with the explicit opt-in. The same for the poll circuits' keys.
#[tokio::test(flavor = "multi_thread")]
async fn the_insecure_dev_verifier_is_refused_off_development_chains() {
    use alloy::providers::{Provider, ProviderBuilder};
    use ccr_l1::client::{L1Client, VerifierKey, DEV_CHAIN_IDS};
    use ccr_l1::L1Error;
    use ccr_verifier_contracts::rollup::DeployConfig;
    use ccr_verifier_contracts::{Artifact, COMMITTED_VERIFIER_KEY};

    use crate::common::{dev_key, verifier, PARAMS};

    let committed = Artifact::groth16_verifier().expect("committed verifier");
    let test_verifier = tokio::task::spawn_blocking(verifier).await.expect("compile the verifier");
    // The rule, chain by chain.
    for chain_id in DEV_CHAIN_IDS {
        VerifierKey::InsecureDev.check(chain_id, &committed).expect("a development chain");
    }
    for key in [VerifierKey::InsecureDev, VerifierKey::Ceremony] {
        assert!(matches!(key.check(1, &committed), Err(L1Error::InsecureDevKey { chain_id: 1 })));
    }
    assert!(matches!(
        VerifierKey::InsecureDev.check(11_155_111, test_verifier),
        Err(L1Error::InsecureDevKey { chain_id: 11_155_111 })
    ));
    VerifierKey::Ceremony.check(1, test_verifier).expect("a ceremony's key");
    VerifierKey::InsecureDevAnyChain.check(1, &committed).expect("opted in");
    assert_eq!(VerifierKey::from_flag(true, false), VerifierKey::InsecureDev);
    assert_eq!(VerifierKey::from_flag(true, true), VerifierKey::InsecureDevAnyChain);
    assert_eq!(VerifierKey::from_flag(false, true), VerifierKey::Ceremony);

    // On a node of chain 1: refused with the chain named, and nothing sent.
    let anvil = Anvil::start_on_chain(1).await.expect("anvil starts (scripts/deps installs it)");
    let url = anvil.url();
    let cfg = DeployConfig::eth();
    let refused = [
        L1Client::deploy(
            url,
            dev_key(0),
            &committed,
            &[eligibility_key()],
            &COMMITTED_VERIFIER_KEY.params,
            &cfg,
        )
        .await,
        L1Client::deploy_with_key(
            url,
            dev_key(0),
            &committed,
            VerifierKey::Ceremony,
            &[eligibility_key()],
            &COMMITTED_VERIFIER_KEY.params,
            &cfg,
        )
        .await,
        L1Client::deploy(url, dev_key(0), test_verifier, &[eligibility_key()], &PARAMS, &cfg).await,
        // A ceremony's batch verifier with a known development eligibility key (the flag of
        // its file is not asked: the key's hash is on the list).
        L1Client::deploy_with_key(
            url,
            dev_key(0),
            test_verifier,
            VerifierKey::Ceremony,
            &[eligibility_key()],
            &PARAMS,
            &cfg,
        )
        .await,
    ];
    for result in refused {
        let err = result.expect_err("refused");
        assert!(matches!(err, L1Error::InsecureDevKey { chain_id: 1 }), "{err}");
        assert!(err.to_string().contains("INSECURE development key on chain 1"), "{err}");
    }
    ccr_l1::tls::init();
    let provider = ProviderBuilder::new().connect_http(url.parse().expect("url"));
    let operator = alloy::signers::local::PrivateKeySigner::from_bytes(&dev_key(0)).expect("key").address();
    assert_eq!(provider.get_transaction_count(operator).await.expect("nonce"), 0, "nothing was sent");

    // The explicit opt-in, or a ceremony's key, deploys.
    let (_, opted_in) = L1Client::deploy_with_key(
        url,
        dev_key(0),
        test_verifier,
        VerifierKey::InsecureDevAnyChain,
        &[eligibility_key()],
        &PARAMS,
        &cfg,
    )
    .await
    .expect("opted in");
    let (client, ceremony) = L1Client::deploy_with_key(
        url,
        dev_key(1),
        test_verifier,
        VerifierKey::Ceremony,
        &[not_a_known_dev_key()],
        &PARAMS,
        &cfg,
    )
    .await
    .expect("a ceremony's key");
    assert_ne!(opted_in.rollup, ceremony.rollup);

    // The poll circuits' keys follow the same rule, checked before anything is compiled or sent.
    use ccr_l1::poll::PollClient;
    use ccr_verifier_contracts::poll::PollSetup;
    let (dev, other) = (eligibility_key(), not_a_known_dev_key());
    for chain_id in DEV_CHAIN_IDS {
        VerifierKey::InsecureDev
            .check_keys(chain_id, std::slice::from_ref(&dev))
            .expect("a development chain");
    }
    for (key, keys) in [(VerifierKey::InsecureDev, &other), (VerifierKey::Ceremony, &dev)] {
        let err = key.check_keys(1, &[other.clone(), keys.clone()]).expect_err("refused");
        assert!(matches!(err, L1Error::InsecureDevKey { chain_id: 1 }), "{err}");
    }
    VerifierKey::Ceremony.check_keys(1, std::slice::from_ref(&other)).expect("a ceremony's keys");
    VerifierKey::InsecureDevAnyChain.check_keys(1, std::slice::from_ref(&dev)).expect("opted in");
    let sent = provider.get_transaction_count(client.address()).await.expect("nonce");
    let setup = PollSetup { state_depth: 2, vote_depth: 1, batch_size: 2, tally_batch_size: 2 };
    let err = PollClient::deploy_with_keys(&client, &other, &dev, VerifierKey::Ceremony, "test", setup)
        .await
        .expect_err("a known development key");
    assert!(matches!(err, L1Error::InsecureDevKey { chain_id: 1 }), "{err}");
    assert_eq!(
        provider.get_transaction_count(client.address()).await.expect("nonce"),
        sent,
        "nothing was sent"
    );
}
