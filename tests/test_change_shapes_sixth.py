"""What a change brings, on the shapes the sixth held-back pair set (bench/infra_pairs_sixth_a.toml, _b.toml) showed
missed or mislabelled; each written AFTER LOOKING at that set, as a general rule, in a git repository built here and
analysed base..head the way the CLI does."""

from __future__ import annotations

from test_change_shapes import config_keys, kinds
from test_change_shapes_fifth import change

LOKI = "auth_enabled: false\nserver:\n  http_listen_port: 3100\n"
OTEL = "receivers:\n  otlp:\n    protocols:\n      grpc:\nexporters:\n  otlphttp:\n    endpoint: http://loki:3100/otlp\n"


def test_config_files_of_a_developer_environment_folder_are_not_product_config(git_repo, private_cache) -> None:
    # awx 0eb4655: the docker-compose developer environment under tools/ gains Grafana, Loki and OTel collector
    # configs; the product's own config beside its code is still config
    head = {
        "tools/grafana/datasources/loki_source.yml": "apiVersion: 1\ndatasources:\n  - name: Loki\n    type: loki\n",
        "tools/loki/local-config.yaml": LOKI,
        "tools/otel/otel-collector-config.yaml": OTEL,
        "docker-compose.dev.yml": "services:\n  app:\n    build: .\n",
    }
    result = change(git_repo, {}, head)
    assert not [f for f in result.new_infrastructure if f.kind == "config" and not f.test_only]
    # the same files in a product folder are config
    product = change(git_repo, {}, {"app/otel/otel-collector-config.yaml": OTEL}, name="product")
    assert ("config", "app/otel/otel-collector-config.yaml") in kinds(product)
    # and code under tools/ is still code: the environment variable it reads is a new key
    code = change(git_repo, {"tools/sync.py": "import os\n"},
                  {"tools/sync.py": "import os\nTOKEN = os.getenv('SYNC_TOKEN')\n"}, name="code")
    assert "SYNC_TOKEN" in config_keys(code)
