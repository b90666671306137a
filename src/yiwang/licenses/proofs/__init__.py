"""Online proofs (网上开证明, issue 11 item 6): the proof kinds (data) and the registries
that confirm their facts (`ProofSource`). The writer is `licenses.services.proofs`."""
