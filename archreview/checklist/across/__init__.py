"""What the repository stage decides about findings with every file's facts at hand.

A per-file detector sees one file. Some of its findings are settled only by another module: a helper
that commits by itself (``selfcommit``), a wrapper whose only effect is an in-process signal
(``wrappers``), an attribute the models declare as a plain column (``columns``), a parent the
application soft-deletes (``softdelete``), a Django project that wraps each request in a transaction
(``atomicrequests``), a task a beat schedule also runs (``scheduled``), a coroutine only sync code runs
on a loop of its own (``ownloop``), a Celery time limit (``timelimits``), a module nothing reaches
(``reach``) or one a configuration file names by function (``configured``). Each module here has a
per-file half (typed facts on ``FileFacts.across`` or ``FileFacts.celery_tasks``) and a repository half
that drops, adds or places findings; ``archreview.analysis.assemble`` runs the repository halves.
"""
