"""BuildRight: a small project and task tracker."""
