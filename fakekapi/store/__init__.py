"""A dumb key/revision store of JSON objects with a watchable change history.

Knows nothing of HTTP or Kubernetes rules (beyond stamping metadata.resourceVersion, the storage
versioner's job in kube-apiserver too). Must not import registry, auth, server, cli or catalog.

- base: the Store contract and Event (stored bytes, decoded on first use);
- memory: objects held once as JSON bytes, the key index, the history (bounded by age, count
  and bytes) that serves watch resumes and lists at a past revision;
- sqlite + journal: the durable log in store.db, group commit (one transaction and one fsync per
  batch of concurrent writes), following other processes, background compaction;
- fanout, keys: watchers filed by resource, sorted keys per resource;
- trim: handing freed memory back to the OS.
"""
