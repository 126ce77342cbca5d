"""The conformance suite: run it with `pytest` in a checkout, or
`pytest --pyargs conformance.suite` from an installed wheel."""
