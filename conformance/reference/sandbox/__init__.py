"""The sandbox: the reference behind WSGI middleware that changes it, for client
developers (``python -m conformance.reference --variant ... / --variants all /
--faults ...``) and for the harness's self-test, from one catalogue.

- ``parser.py``: the reference's answers read as JSON-shaped documents (a parser of
  its own: the reference imports nothing of the harness);
- ``xml_writer.py``, ``json_writer.py``: writing a document in other legal spellings;
- ``middleware.py``: :class:`Fault` (one change of the request, the answer or its HTTP
  envelope) and :class:`FaultyApp`, the WSGI middleware that applies it;
- ``server.py``: waitress in a thread, with per-answer ``Connection: close`` and idle
  keep-alive timeouts;
- ``faults.py``: ``FAULTS``, each breaking one documented behaviour;
- ``variants.py``: ``VARIANTS``, each changing the reference only where the document
  allows, and their combination and rotation;
- ``cli.py``: the command-line options of the sandbox.
"""
