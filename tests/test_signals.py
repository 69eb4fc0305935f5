"""Signals per file: a table of snippet -> expected (kind, name) for every catalogue entry,
and a table of look-alikes that must stay silent."""

from __future__ import annotations

import ast
import textwrap
import time

import pytest

from archreview.change.catalogue import load_catalogue
from archreview.change.signals import STAGE_VIAS, file_signals, image_name, is_config, python_signals


def kinds(text: str, path: str = "app/mod.py") -> set[tuple[str, str]]:
    text = textwrap.dedent(text)
    return {(s.kind, s.name) for s in python_signals(path, ast.parse(text), text)}


def file_kinds(path: str, text: str) -> set[tuple[str, str]]:
    return {(s.kind, s.name) for s in file_signals(path, textwrap.dedent(text))}


# --- imports: one row per [[imports]] entry (its last-listed module) plus alias forms

IMPORT_ROWS = [
        ("import structlog\n", "observability", "structlog"),
        ("import logging_loki\n", "observability", "loki"),
        ("from faststream.kafka import KafkaBroker\n", "message_queue", "kafka"),
        ("from faststream.rabbit import RabbitBroker\n", "message_queue", "rabbitmq"),
        ("from faststream.nats import NatsBroker\n", "pubsub", "nats"),
        ("from faststream.redis import RedisBroker\n", "message_queue", "redis streams"),
        ("from litestar_saq import SAQPlugin\n", "task_queue", "saq"),
        ("import amqp\n", "message_queue", "rabbitmq"),
        ("import kombu\n", "message_queue", "kombu"),
        ("import faust\n", "message_queue", "kafka"),
        ("import pulsar\n", "message_queue", "pulsar"),
        ("import zmq\n", "message_queue", "zeromq"),
        ("import gnsq\n", "message_queue", "nsq"),
        ("import stomp\n", "message_queue", "stomp"),
        ("from azure import servicebus\n", "message_queue", "azure service bus"),
        ("import django_celery_results\n", "task_queue", "celery"),
        ("import django_rq\n", "task_queue", "rq"),
        ("import dramatiq\n", "task_queue", "dramatiq"),
        ("import huey\n", "task_queue", "huey"),
        ("import arq\n", "task_queue", "arq"),
        ("import taskiq\n", "task_queue", "taskiq"),
        ("import django_q\n", "task_queue", "django-q"),
        ("import procrastinate\n", "task_queue", "procrastinate"),
        ("from google.cloud import pubsub_v1\n", "pubsub", "google pub/sub"),
        ("import nats\n", "pubsub", "nats"),
        ("import gmqtt\n", "pubsub", "mqtt"),
        ("import channels_redis\n", "pubsub", "django channels"),
        ("import ably\n", "pubsub", "pusher"),
        ("import blinker\n", "event_bus", "blinker"),
        ("import pyee\n", "event_bus", "pyee"),
        ("import pubsub\n", "event_bus", "pypubsub"),
        ("import pydispatch\n", "event_bus", "pydispatcher"),
        ("from zope import event\n", "event_bus", "zope.event"),
        ("from django import dispatch\n", "event_bus", "django signals"),
        ("import eventsourcing\n", "event_sourcing", "eventsourcing"),
        ("import photonpump\n", "event_sourcing", "eventstoredb"),
        ("import sqlmodel\n", "database", "sqlalchemy"),
        ("import alembic\n", "database", "alembic migrations"),
        ("import pg8000\n", "database", "postgresql"),
        ("import asyncmy\n", "database", "mysql"),
        ("import odmantic\n", "database", "mongodb"),
        ("import aiosqlite\n", "database", "sqlite"),
        ("from django import db\n", "database", "django orm"),
        ("import playhouse\n", "database", "peewee"),
        ("import tortoise\n", "database", "tortoise orm"),
        ("from pony import orm\n", "database", "pony orm"),
        ("import databases\n", "database", "databases"),
        ("import cassandra\n", "database", "cassandra"),
        ("import py2neo\n", "database", "neo4j"),
        ("import oracledb\n", "database", "oracle"),
        ("import pyodbc\n", "database", "odbc"),
        ("import duckdb\n", "database", "duckdb"),
        ("import clickhouse_connect\n", "database", "clickhouse"),
        ("import influxdb_client\n", "database", "influxdb"),
        ("import pynamodb\n", "database", "dynamodb"),
        ("from google.cloud import firestore\n", "database", "firestore"),
        ("from google.cloud import bigquery\n", "database", "bigquery"),
        ("from snowflake import connector\n", "database", "snowflake"),
        ("import tinydb\n", "database", "tinydb"),
        ("import walrus\n", "cache", "redis"),
        ("import aiomcache\n", "cache", "memcached"),
        ("import cachetools\n", "cache", "cachetools"),
        ("import diskcache\n", "cache", "diskcache"),
        ("import aiocache\n", "cache", "aiocache"),
        ("from dogpile import cache\n", "cache", "dogpile.cache"),
        ("import flask_caching\n", "cache", "flask-caching"),
        ("import django_elasticsearch_dsl\n", "search", "elasticsearch"),
        ("import opensearch_dsl\n", "search", "opensearch"),
        ("import meilisearch_python_sdk\n", "search", "meilisearch"),
        ("import pysolr\n", "search", "solr"),
        ("import typesense\n", "search", "typesense"),
        ("import algoliasearch\n", "search", "algolia"),
        ("import whoosh\n", "search", "whoosh"),
        ("import minio\n", "object_storage", "minio"),
        ("from google.cloud import storage\n", "object_storage", "google cloud storage"),
        ("from azure.storage import blob\n", "object_storage", "azure blob storage"),
        ("from storages.backends import s3\n", "object_storage", "s3"),
        ("import dependency_injector\n", "di_container", "dependency-injector"),
        ("import flask_injector\n", "di_container", "injector"),
        ("import punq\n", "di_container", "punq"),
        ("import lagom\n", "di_container", "lagom"),
        ("import kink\n", "di_container", "kink"),
        ("import pinject\n", "di_container", "pinject"),
        ("import inject\n", "di_container", "inject"),
        ("import dishka\n", "di_container", "dishka"),
        ("import wireup\n", "di_container", "wireup"),
        ("import rodi\n", "di_container", "rodi"),
        ("import svcs\n", "di_container", "svcs"),
        ("import tenacity\n", "retry", "tenacity"),
        ("import backoff\n", "retry", "backoff"),
        ("import retrying\n", "retry", "retrying"),
        ("import retry\n", "retry", "retry"),
        ("import stamina\n", "retry", "stamina"),
        ("from requests.packages.urllib3.util import retry\n", "retry", "urllib3 retry"),
        ("import pybreaker\n", "circuit_breaker", "pybreaker"),
        ("import circuitbreaker\n", "circuit_breaker", "circuitbreaker"),
        ("import aiobreaker\n", "circuit_breaker", "aiobreaker"),
        ("import purgatory\n", "circuit_breaker", "purgatory"),
        ("import flask\n", "web_framework", "flask"),
        ("import fastapi\n", "web_framework", "fastapi"),
        ("import rest_framework\n", "web_framework", "django"),
        ("from aiohttp import web\n", "web_framework", "aiohttp.web"),
        ("from tornado import ioloop\n", "web_framework", "tornado"),
        ("import starlette\n", "web_framework", "starlette"),
        ("import sanic\n", "web_framework", "sanic"),
        ("import falcon\n", "web_framework", "falcon"),
        ("import bottle\n", "web_framework", "bottle"),
        ("import pyramid\n", "web_framework", "pyramid"),
        ("import quart\n", "web_framework", "quart"),
        ("import litestar\n", "web_framework", "litestar"),
        ("import grpclib\n", "rpc", "grpc"),
        ("import thriftpy2\n", "rpc", "thrift"),
        ("import SimpleXMLRPCServer\n", "rpc", "xml-rpc"),
        ("import zerorpc\n", "rpc", "zerorpc"),
        ("import rpyc\n", "rpc", "rpyc"),
        ("import Pyro5\n", "rpc", "pyro"),
        ("import nameko\n", "rpc", "nameko"),
        ("import jsonrpcclient\n", "rpc", "json-rpc"),
        ("import apscheduler\n", "scheduler", "apscheduler"),
        ("import schedule\n", "scheduler", "schedule"),
        ("import croniter\n", "scheduler", "croniter"),
        ("import crontab\n", "scheduler", "python-crontab"),
        ("import redbeat\n", "scheduler", "celery beat"),
        ("import rq_scheduler\n", "scheduler", "rq-scheduler"),
        ("import rocketry\n", "scheduler", "rocketry"),
        ("import flask_apscheduler\n", "scheduler", "apscheduler"),
        ("import django_prometheus\n", "observability", "prometheus"),
        ("from apistar_prometheus import PrometheusComponent\n", "observability", "prometheus"),
        ("from prometheus_flask_exporter import PrometheusMetrics\n", "observability", "prometheus"),
        ("import opentelemetry\n", "observability", "opentelemetry"),
        ("import raven\n", "observability", "sentry"),
        ("import aiostatsd\n", "observability", "statsd"),
        ("from jx_bigquery import bigquery\n", "database", "bigquery"),
        ("from google.cloud import bigquery\n", "database", "bigquery"),
        ("import ddtrace\n", "observability", "datadog"),
        ("import newrelic\n", "observability", "new relic"),
        ("import elasticapm\n", "observability", "elastic apm"),
        ("import jaeger_client\n", "observability", "jaeger"),
        ("import logfire\n", "observability", "logfire"),
    ("import pika as rabbit\n", "message_queue", "rabbitmq"),
    ("from aiokafka import AIOKafkaProducer\n", "message_queue", "kafka"),
    ("from confluent_kafka import Producer\n", "message_queue", "kafka"),
    ("import google.cloud.storage as gcs\n", "object_storage", "google cloud storage"),
    ("from google.cloud.pubsub_v1 import PublisherClient\n", "pubsub", "google pub/sub"),
    ("import paho.mqtt.client as mqtt\n", "pubsub", "mqtt"),
    ("def f():\n    import celery\n", "task_queue", "celery"),
    ("from sqlalchemy.ext.asyncio import AsyncSession\n", "database", "sqlalchemy"),
]


@pytest.mark.parametrize(("snippet", "kind", "name"), IMPORT_ROWS)
def test_import_signals(snippet: str, kind: str, name: str) -> None:
    assert (kind, name) in kinds(snippet)


# --- code patterns: calls, classes, decorators, loops, settings, strings

PATTERN_ROWS = [
    # FastStream, Kafka clients, OpenTelemetry instrumentations
    ("from aiokafka import AIOKafkaProducer\np = AIOKafkaProducer(bootstrap_servers=B)\n", "calls", "message_queue", "kafka"),
    ("from faststream.rabbit import RabbitBroker\nb = RabbitBroker(URL)\n", "calls", "message_queue", "rabbitmq"),
    ("from faststream.nats import NatsBroker\nb = NatsBroker(URL)\n", "calls", "pubsub", "nats"),
    ("from faststream.redis import RedisBroker\nb = RedisBroker(URL)\n", "calls", "message_queue", "redis streams"),
    ("from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor as F\nF.instrument_app(app)\n",
     "calls", "observability", "opentelemetry"),
    ("from faststream.kafka import KafkaBroker\n\n@broker.subscriber('orders')\nasync def h(m): ...\n",
     "decorators", "message_queue", "kafka"),
    ("from faststream.rabbit import RabbitBroker\n\n@broker.publisher('out')\nasync def h(m): ...\n",
     "decorators", "message_queue", "rabbitmq"),
    ("from faststream.nats import NatsBroker\n\n@broker.subscriber('s')\nasync def h(m): ...\n",
     "decorators", "pubsub", "nats"),
    ("from faststream.redis import RedisBroker\n\n@broker.subscriber('s')\nasync def h(m): ...\n",
     "decorators", "message_queue", "redis streams"),
    # config keys: environment variables read through helpers, settings-class fields
    ("import os\nURL = os.getenv('PAYMENTS_URL')\n", "env_reads", "config", "config keys"),
    ("from pydantic_settings import BaseSettings\nclass S(BaseSettings):\n    db_url: str = ''\n",
     "settings_classes", "config", "config keys"),
    ("from typedconfig import Config, key, section\n@section('mwdb')\nclass MWDBConfig(Config):\n"
     "    redis_uri = key(cast=str, required=False)\n", "settings_classes", "config", "config keys"),
    ("import environ\n@environ.config(prefix='APP')\nclass AppConfig:\n    url = environ.var()\n",
     "settings_classes", "config", "config keys"),
    ("from app.configuration import config\nURL = config.get('core', 'lock_url', fallback='redis://')\n",
     "ini_reads", "config", "config keys"),
    # calls
    ("from sqlalchemy import create_engine\nengine = create_engine(URL)\n", "calls", "database", "sqlalchemy engine"),
    ("import sqlalchemy as sa\nengine = sa.create_engine(URL)\n", "calls", "database", "sqlalchemy engine"),
    ("from sqlalchemy.ext.asyncio import create_async_engine\ne = create_async_engine(URL)\n", "calls", "database", "sqlalchemy engine"),
    ("from sqlalchemy.orm import sessionmaker\nSession = sessionmaker(bind=e)\n", "calls", "database", "sqlalchemy session factory"),
    ("from sqlalchemy.ext.asyncio import async_sessionmaker\nS = async_sessionmaker(e)\n", "calls", "database", "sqlalchemy session factory"),
    ("import psycopg2\nconn = psycopg2.connect(dsn)\n", "calls", "database", "postgresql connection"),
    ("import asyncpg\npool = await asyncpg.create_pool(dsn)\n", "calls", "database", "postgresql connection"),
    ("import pymysql\nc = pymysql.connect(host='db')\n", "calls", "database", "mysql connection"),
    ("from pymongo import MongoClient\nclient = MongoClient(uri)\n", "calls", "database", "mongodb client"),
    ("from motor.motor_asyncio import AsyncIOMotorClient\nc = AsyncIOMotorClient(uri)\n", "calls", "database", "mongodb client"),
    ("import sqlite3\nconn = sqlite3.connect('notifications.db')\n", "calls", "database", "sqlite connection"),
    ("import boto3\ntable = boto3.resource('dynamodb').Table('t')\n", "calls", "database", "dynamodb"),
    ("import boto3\ns3 = boto3.client('s3')\n", "calls", "object_storage", "s3"),
    ("import boto3\nsession = boto3.Session()\ns3 = session.client(service_name='s3')\n", "calls", "object_storage", "s3"),
    ("import boto3\nq = boto3.client('sqs')\n", "calls", "message_queue", "sqs"),
    ("import boto3\nt = boto3.client('sns')\n", "calls", "pubsub", "sns"),
    ("import pika\nconn = pika.BlockingConnection(params)\n", "calls", "message_queue", "rabbitmq connection"),
    ("import aio_pika\nconn = await aio_pika.connect_robust(url)\n", "calls", "message_queue", "rabbitmq connection"),
    ("def send(channel, body):\n    channel.basic_publish(exchange='', routing_key='q', body=body)\n", "calls", "message_queue", "rabbitmq"),
    ("import redis\nr = redis.Redis()\np = r.pubsub()\n", "calls", "pubsub", "redis pub/sub"),
    ("import redis\nr = redis.from_url(u)\nr.publish('events', data)\n", "calls", "pubsub", "redis pub/sub"),
    ("import redis\ncache = redis.StrictRedis(host='cache')\n", "calls", "cache", "redis"),
    ("from redis import Redis\nr = Redis.from_url(url)\n", "calls", "cache", "redis"),
    ("import redis\npool = redis.ConnectionPool.from_url(url)\n", "calls", "cache", "redis"),
    ("from redis.asyncio import ConnectionPool\npool = ConnectionPool.from_url(url)\n", "calls", "cache", "redis"),
    ("import redis.asyncio as aredis\nr = aredis.Redis.from_url(url)\n", "calls", "cache", "redis"),
    ("from celery import Celery\napp = Celery('proj')\n", "calls", "task_queue", "celery"),
    ("import pybreaker\nbreaker = pybreaker.CircuitBreaker(fail_max=5)\n", "calls", "circuit_breaker", "pybreaker"),
    ("from rq import Retry\nq.enqueue(send, retry=Retry(max=3, interval=60))\n", "calls", "retry", "rq retry"),
    # classes
    ("class ServiceContainer:\n    def register(self, k, f): ...\n    def resolve(self, k): ...\n", "classes", "di_container", "container class"),
    ("class ServiceLocator:\n    def get_service(self, name): ...\n", "classes", "di_container", "container class"),
    ("class HandlerRegistry:\n    def register(self, k): ...\n    def resolve(self, k): ...\n", "classes", "di_container", "container class"),
    ("from dependency_injector import containers\nclass App(containers.DeclarativeContainer):\n    pass\n", "classes", "di_container", "declarative container"),
    ("class NotificationEventStore:\n    def append(self, stream, event): ...\n    def replay(self, stream): ...\n", "classes", "event_sourcing", "event store class"),
    ("class NotificationAggregate:\n    def apply_event(self, e): ...\n", "classes", "event_sourcing", "event-sourced aggregate"),
    ("class EventBus:\n    def publish(self, event): ...\n    def subscribe(self, t, h): ...\n", "classes", "event_bus", "message bus class"),
    ("class InProcessMessageBus:\n    async def dispatch(self, msg): ...\n", "classes", "event_bus", "message bus class"),
    ("class EventDispatcher:\n    def subscribe(self, t, h): ...\n    def publish(self, e): ...\n", "classes", "event_bus", "message bus class"),
    ("class SignalDispatcher:\n    def subscribe(self, t, h): ...\n    def emit(self, e): ...\n", "classes", "event_bus", "message bus class"),
    ("class CircuitBreaker:\n    def call(self, fn): ...\n", "classes", "circuit_breaker", "circuit breaker class"),
    ("class RetryPolicy:\n    max_attempts = 3\n", "classes", "retry", "retry policy class"),
    # decorators
    ("from tenacity import retry, stop_after_attempt\n@retry(stop=stop_after_attempt(3))\ndef send(): ...\n", "decorators", "retry", "tenacity"),
    ("import backoff\n@backoff.on_exception(backoff.expo, IOError)\ndef get(): ...\n", "decorators", "retry", "backoff"),
    ("from retrying import retry\n@retry\ndef get(): ...\n", "decorators", "retry", "retrying"),
    ("import stamina\n@stamina.retry(on=IOError)\ndef get(): ...\n", "decorators", "retry", "stamina"),
    ("def retry(times):\n    ...\n@retry(3)\ndef send(): ...\n", "decorators", "retry", "retry decorator"),
    ("from circuitbreaker import circuit\n@circuit(failure_threshold=5)\ndef call(): ...\n", "decorators", "circuit_breaker", "circuitbreaker"),
    ("from celery import Celery\napp = Celery()\n@app.task(bind=True)\ndef send(self): ...\n", "decorators", "task_queue", "celery"),
    ("import dramatiq\n@dramatiq.actor\ndef send(): ...\n", "decorators", "task_queue", "dramatiq"),
    ("from apscheduler.schedulers.blocking import BlockingScheduler\ns = BlockingScheduler()\n@s.scheduled_job('interval', minutes=5)\ndef tick(): ...\n", "decorators", "scheduler", "apscheduler"),
    # hand-written retry loops
    ("import time\nfor attempt in range(5):\n    try:\n        send()\n        break\n    except OSError:\n        time.sleep(2 ** attempt)\n", "loops", "retry", "hand-written retry loop"),
    ("import asyncio\nasync def f():\n    delay = 0.5\n    while True:\n        try:\n            return await send()\n        except OSError:\n            await asyncio.sleep(delay)\n            delay *= 2\n", "loops", "retry", "hand-written retry loop"),
    ("from time import sleep\nfor attempt in range(1, 4):\n    if ok():\n        break\n    sleep(BASE * attempt)\n", "loops", "retry", "hand-written retry loop"),
    # settings
    ("DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3'}}\n", "settings", "database", "django databases"),
    ("CACHES = {'default': {'BACKEND': 'django.core.cache.backends.locmem.LocMemCache'}}\n", "settings", "cache", "django cache"),
    ("CELERY_BROKER_URL = env('BROKER')\n", "settings", "task_queue", "celery"),
    ("app.conf.broker_url = BROKER\n", "settings", "task_queue", "celery"),
    ("RQ_QUEUES = {'default': {}}\n", "settings", "task_queue", "rq"),
    ("Q_CLUSTER = {'name': 'x'}\n", "settings", "task_queue", "django-q"),
    ("CHANNEL_LAYERS = {}\n", "settings", "pubsub", "django channels"),
    ("ELASTICSEARCH_DSL = {'default': {'hosts': 'es:9200'}}\n", "settings", "search", "elasticsearch"),
    ("import os\nSENTRY_DSN = os.environ.get('SENTRY_DSN')\n", "settings", "observability", "sentry"),
    ("import os\nRAVEN_CONFIG = {'dsn': os.environ.get('RAVEN_DSN')}\n", "settings", "observability", "sentry"),
    ("CELERY_BEAT_SCHEDULE = {'purge': {'task': 'app.tasks.purge', 'schedule': 86400}}\n", "settings", "scheduler", "celery beat"),
    ("app.conf.beat_schedule = {}\n", "settings", "scheduler", "celery beat"),
    ("import os\nhost = os.environ['REDIS_HOST']\n", "settings", "cache", "redis"),
    ("RABBITMQ_URL: str = 'x'\n", "settings", "message_queue", "rabbitmq"),
    ("KAFKA_BOOTSTRAP_SERVERS = ['k:9092']\n", "settings", "message_queue", "kafka"),
    ("import os\nurl = os.getenv('DATABASE_URL')\n", "settings", "database", "database url"),
    ("MONGO_URI = 'x'\n", "settings", "database", "mongodb"),
    ("AWS_STORAGE_BUCKET_NAME = 'media'\n", "settings", "object_storage", "s3"),
    # URLs in string constants
    ("BROKER = 'amqp://guest:guest@rabbit:5672//'\n", "urls", "message_queue", "rabbitmq"),
    ("BOOT = 'kafka://broker:9092'\n", "urls", "message_queue", "kafka"),
    ("Q = 'sqs://'\n", "urls", "message_queue", "sqs"),
    ("C = f'redis://{host}:6379/0'\n", "urls", "cache", "redis"),
    ("M = 'memcached://cache:11211'\n", "urls", "cache", "memcached"),
    ("DB = 'postgresql+asyncpg://u:p@db/notifications'\n", "urls", "database", "postgresql"),
    ("DB = 'mysql+pymysql://u@db/x'\n", "urls", "database", "mysql"),
    ("DB = 'mongodb+srv://cluster/x'\n", "urls", "database", "mongodb"),
    ("DB = 'sqlite:///notifications.db'\n", "urls", "database", "sqlite"),
    ("DB = 'oracle+oracledb://u@h/x'\n", "urls", "database", "oracle"),
    ("DB = 'mssql+pyodbc://u@h/x'\n", "urls", "database", "mssql"),
    ("N = 'nats://nats:4222'\n", "urls", "pubsub", "nats"),
    ("B = 'mqtt://broker:1883'\n", "urls", "pubsub", "mqtt"),
    ("P = 's3://bucket/key'\n", "urls", "object_storage", "s3"),
    ("P = 'gs://bucket/key'\n", "urls", "object_storage", "google cloud storage"),
    ("E = 'esdb://localhost:2113?tls=false'\n", "urls", "event_sourcing", "eventstoredb"),
    # backends in settings
    ("CACHES = {'default': {'BACKEND': 'django_redis.cache.RedisCache'}}\n", "backends", "cache", "redis"),
    ("B = 'django.core.cache.backends.memcached.PyMemcacheCache'\n", "backends", "cache", "memcached"),
    ("E = 'django.db.backends.postgresql'\n", "backends", "database", "postgresql"),
    ("E = 'django.db.backends.mysql'\n", "backends", "database", "mysql"),
    ("E = 'django.db.backends.sqlite3'\n", "backends", "database", "sqlite"),
    ("E = 'django.db.backends.oracle'\n", "backends", "database", "oracle"),
    ("E = 'djongo'\n", "backends", "database", "mongodb"),
    ("S = 'storages.backends.s3boto3.S3Boto3Storage'\n", "backends", "object_storage", "s3"),
    ("S = 'storages.backends.gcloud.GoogleCloudStorage'\n", "backends", "object_storage", "google cloud storage"),
    ("S = 'storages.backends.azure_storage.AzureStorage'\n", "backends", "object_storage", "azure blob storage"),
    ("INSTALLED_APPS = ['django.contrib.auth', 'django_celery_beat']\n", "backends", "scheduler", "celery beat"),
    ("INSTALLED_APPS = ['raven.contrib.django.raven_compat']\n", "backends", "observability", "sentry"),
]


ROLE_ROWS = [
    ("from celery import Celery\napp = Celery('w', broker='redis://r:6379/0')\n", "task_queue", "broker"),
    ("CELERY_RESULT_BACKEND = 'redis://r:6379/1'\n", "task_queue", "broker"),
    ("class Settings:\n    redis_broker: str = 'redis://localhost:6379'\n", "task_queue", "broker"),
]


@pytest.mark.parametrize(("snippet", "kind", "name"), ROLE_ROWS)
def test_a_value_given_to_a_broker_name_is_marked_with_that_role(snippet: str, kind: str, name: str) -> None:
    tree = ast.parse(snippet)
    [marked] = [s for s in python_signals("app/mod.py", tree, snippet) if s.via == "role"]
    assert (marked.kind, marked.name, marked.detail.split(" ")[0]) == ("cache", "redis", f"{kind}:{name}")


def test_a_cache_url_is_not_marked_as_a_broker() -> None:
    snippet = "CACHES = {'default': {'LOCATION': 'redis://r:6379/1'}}\n"
    assert not [s for s in python_signals("app/mod.py", ast.parse(snippet), snippet) if s.via == "role"]


@pytest.mark.parametrize(("snippet", "section", "kind", "name"), PATTERN_ROWS)
def test_pattern_signals(snippet: str, section: str, kind: str, name: str) -> None:
    assert (kind, name) in kinds(snippet)


URL_CALL_ROWS = [  # the URL handed to the call names the engine: not a name (``_named``), the engine itself
    ("from .env_reader import env\nDATABASES = {'default': env.db('DATABASE_URL', default='postgres:///app')}\n",
     "database", "postgresql", "env.db(postgres)"),
    ("import dj_database_url\nDATABASES = {'default': dj_database_url.config(default='sqlite:///db.sqlite3')}\n",
     "database", "sqlite", "dj_database_url.config(sqlite)"),
    ("import environ\nenv = environ.Env()\nCACHES = {'default': env.cache('CACHE_URL', default='redis://cache:6379/1')}\n",
     "cache", "redis", "env.cache(redis)"),
]


@pytest.mark.parametrize(("snippet", "kind", "name", "detail"), URL_CALL_ROWS)
def test_a_url_handed_to_an_engine_url_call_is_the_engine(snippet: str, kind: str, name: str, detail: str) -> None:
    signals = python_signals("settings.py", ast.parse(snippet), snippet)
    assert [(s.kind, s.name, s.via, s.detail) for s in signals if s.name == name] == [(kind, name, "settings", detail)]


SETTINGS_READ_ROWS = [  # (path, snippet, the config-key signals as (via, key))
    ("app/kafka.py", "from django.conf import settings\nS = settings.get('KAFKA_SERVERS')\nT = settings.KAFKA_TOPIC\n",
     [("setting", "KAFKA_SERVERS"), ("setting_attr", "KAFKA_TOPIC"),
      ("module_attr", "django.conf.settings\tKAFKA_TOPIC")]),  # a key only if a repository module exposes it
    ("app/views.py", "from flask import current_app\nA = current_app.config['MAX_ITEMS']\n"
     "B = getattr(settings, 'FLAG', False)\ncurrent_app.config['WRITTEN'] = 1\n",
     [("setting", "MAX_ITEMS"), ("setting", "FLAG")]),
    ("proj/settings/base.py", "import os\nDEBUG = False\nclass Config:\n    TOKEN_TTL = 5\n_private = 1\nlower = 2\n",
     [("defines", "DEBUG"), ("defines", "TOKEN_TTL")]),
    ("pulpcore/app/settings.py", "KAFKA_TOPIC = 'status'\nfrom dynaconf import DjangoDynaconf\n", [("exposes", "KAFKA_TOPIC")]),
    ("web/config.py", "DEBUG = False\ntry:\n    from config_local import *\nexcept ImportError:\n    pass\n",
     [("exposes", "DEBUG")]),  # an operator's override file: every setting is the operator's to set
    ("server.py", "from flask import Flask\napp = Flask(__name__)\napp.config['UPLOAD_FOLDER'] = '/tmp'\n"
     "def upload():\n    return app.config['UPLOAD_FOLDER'], app.config.get('UPLOAD_FOLDER')\n",
     [("setting", "UPLOAD_FOLDER")]),
    ("app/nodes.py", "from app.framework import get_app_config_value\nN = get_app_config_value('PI_NODE_UUID')\n",
     [("key", "PI_NODE_UUID")]),
]


@pytest.mark.parametrize(("path", "snippet", "keys"), SETTINGS_READ_ROWS)
def test_settings_read_by_name_or_attribute_and_settings_modules_name_keys(path: str, snippet: str, keys: list) -> None:
    signals = python_signals(path, ast.parse(snippet), snippet)
    assert sorted((s.via, s.detail) for s in signals if s.kind == "config") == sorted(keys)


FILE_READ_ROWS = [  # (path, snippet, the keys of a loaded config file, as file_reads reads them)
    ("app/settings/prod.py", "from .base import *\nDSN = config['sentry']['dsn']\nENV = config.get('sentry', {}).get('env')\n",
     ["sentry.dsn", "sentry.env"]),  # a config-like name a settings module imports (star import)
    ("app/main.py", "import yaml\nwith open('c.yml') as f:\n    cfg = yaml.safe_load(f)\nPORT = cfg['http']['port']\n"
     "db = cfg.get('db', {})\nURL = db['url']\n", ["db", "http.port"]),  # `db` does not say config: not followed
    ("app/main.py", "import yaml\nwith open('c.yml') as f:\n    cfg = yaml.safe_load(f)\ndb_config = cfg.get('db', {})\n"
     "URL = db_config['url']\n", ["db", "db.url"]),  # a part of the file under a config-like name
    ("app/__main__.py", "from .config import Config\nconfig = Config('c.yaml')\nX = config['bridge.username_template']\n",
     ["bridge.username_template"]),
    ("app/monitor.py", "from configobj import ConfigObj\nLANG = ConfigObj('/etc/default/locale').get('LANG')\n", ["LANG"]),
    ("app/views.py", "import json\ndata = json.load(open('d.json'))\nX = data['items']\n", []),  # data, not config
    ("app/views.py", "def f(config):\n    return config['x']\n", []),  # a parameter: nothing shows a file
    ("app/settings/base.py", "import configparser\nconfig = configparser.ConfigParser()\nH = config.get('db', 'host')\n",
     []),  # configparser's get(section, option): [[ini_reads]]'s (its receiver is made here: db.host there)
]


@pytest.mark.parametrize(("path", "snippet", "keys"), FILE_READ_ROWS)
def test_keys_of_a_loaded_config_file_read_by_literal_key(path: str, snippet: str, keys: list) -> None:
    signals = python_signals(path, ast.parse(snippet), snippet)
    got = sorted(s.detail for s in signals if s.via == "key" and s.detail.lower() != "db.host")
    assert got == sorted(keys)


PATH_ROWS = [
    ("allocation/service_layer/messagebus.py", "event_bus", "message bus class"),
    ("app/event_bus.py", "event_bus", "message bus class"),
    ("notifications/infrastructure/event_store.py", "event_sourcing", "event store class"),
    ("app/circuit_breaker.py", "circuit_breaker", "circuit breaker class"),
    ("core/service_locator.py", "di_container", "container class"),
]


@pytest.mark.parametrize(("path", "kind", "name"), PATH_ROWS)
def test_path_signals(path: str, kind: str, name: str) -> None:
    assert (kind, name) in kinds("HANDLERS = {}\n", path)


@pytest.mark.parametrize("path", ["app/bus_stops.py", "app/eventstore_client_test_data.txt", "app/store.py", "app/messages.py"])
def test_path_look_alikes_are_silent(path: str) -> None:
    assert kinds("x = 1\n", path) == set()


# --- other files: images, processes

FILE_ROWS = [
    # observability services in their own right
    ("compose.yaml", "services:\n  l:\n    image: grafana/loki:2.9\n", "images", "observability", "loki"),
    ("compose.yaml", "services:\n  t:\n    image: grafana/tempo:latest\n", "images", "observability", "tempo"),
    ("compose.yaml", "services:\n  p:\n    image: grafana/promtail\n", "images", "observability", "promtail"),
    ("compose.yaml", "services:\n  v:\n    image: timberio/vector:0.34.0-debian\n", "images", "observability", "vector"),
    ("compose.yaml", "services:\n  a:\n    image: prom/alertmanager\n", "images", "observability", "alertmanager"),
    ("compose.yaml", "services:\n  a:\n    image: grafana/alloy\n", "images", "observability", "grafana alloy"),
    ("docker-compose.yml", "services:\n  statsd:\n    image: statsd/statsd:latest\n", "images", "observability", "statsd"),
    ("compose.yaml", "services:\n  g:\n    image: graphiteapp/graphite-statsd\n", "images", "observability", "statsd"),
    ("compose.yaml", "services:\n  g:\n    image: graphiteapp/graphite-web:1.1\n", "images", "observability", "graphite"),
    ("compose.yaml", "services:\n  s:\n    image: prom/statsd-exporter\n", "images", "observability", "prometheus"),
    # images (compose)
    ("docker-compose.yml", "services:\n  mq:\n    image: rabbitmq:3-management\n", "images", "message_queue", "rabbitmq"),
    ("compose.yaml", "services:\n  k:\n    image: confluentinc/cp-kafka:7.5.0\n", "images", "message_queue", "kafka"),
    ("compose.yaml", "services:\n  mq:\n    image: apache/activemq-artemis\n", "images", "message_queue", "activemq"),
    ("compose.yaml", "services:\n  p:\n    image: apachepulsar/pulsar:3.1\n", "images", "message_queue", "pulsar"),
    ("compose.yaml", "services:\n  q:\n    image: softwaremill/elasticmq-native\n", "images", "message_queue", "sqs"),
    ("compose.yaml", "services:\n  n:\n    image: nats:2\n", "images", "pubsub", "nats"),
    ("compose.yaml", "services:\n  m:\n    image: eclipse-mosquitto:2\n", "images", "pubsub", "mqtt"),
    ("compose.yaml", "services:\n  db:\n    image: postgres:16-alpine\n", "images", "database", "postgresql"),
    ("compose.yaml", "services:\n  db:\n    image: mariadb:11\n", "images", "database", "mysql"),
    ("compose.yaml", "services:\n  db:\n    image: mongo:7\n", "images", "database", "mongodb"),
    ("compose.yaml", "services:\n  db:\n    image: cassandra:4\n", "images", "database", "cassandra"),
    ("compose.yaml", "services:\n  db:\n    image: neo4j:5\n", "images", "database", "neo4j"),
    ("compose.yaml", "services:\n  db:\n    image: clickhouse/clickhouse-server\n", "images", "database", "clickhouse"),
    ("compose.yaml", "services:\n  db:\n    image: influxdb:2.7\n", "images", "database", "influxdb"),
    ("compose.yaml", "services:\n  db:\n    image: mcr.microsoft.com/mssql/server:2022-latest\n", "images", "database", "mssql"),
    ("compose.yaml", "services:\n  db:\n    image: amazon/dynamodb-local\n", "images", "database", "dynamodb"),
    ("compose.yaml", "services:\n  cache:\n    image: redis:7\n", "images", "cache", "redis"),
    ("compose.yaml", "services:\n  cache:\n    image: memcached:1.6\n", "images", "cache", "memcached"),
    ("compose.yaml", "services:\n  es:\n    image: docker.elastic.co/elasticsearch/elasticsearch:8.11.0\n", "images", "search", "elasticsearch"),
    ("compose.yaml", "services:\n  os:\n    image: opensearchproject/opensearch:2\n", "images", "search", "opensearch"),
    ("compose.yaml", "services:\n  s:\n    image: getmeili/meilisearch:v1.5\n", "images", "search", "meilisearch"),
    ("compose.yaml", "services:\n  s:\n    image: solr:9\n", "images", "search", "solr"),
    ("compose.yaml", "services:\n  s:\n    image: typesense/typesense:0.25\n", "images", "search", "typesense"),
    ("compose.yaml", "services:\n  s3:\n    image: minio/minio\n", "images", "object_storage", "minio"),
    ("compose.yaml", "services:\n  aws:\n    image: localstack/localstack\n", "images", "object_storage", "s3"),
    ("compose.yaml", "services:\n  prom:\n    image: prom/prometheus\n", "images", "observability", "prometheus"),
    ("compose.yaml", "services:\n  g:\n    image: grafana/grafana:10\n", "images", "observability", "grafana"),
    ("compose.yaml", "services:\n  j:\n    image: jaegertracing/all-in-one:1.52\n", "images", "observability", "jaeger"),
    ("compose.yaml", "services:\n  o:\n    image: otel/opentelemetry-collector-contrib\n", "images", "observability", "opentelemetry"),
    ("compose.yaml", "services:\n  k:\n    image: docker.elastic.co/kibana/kibana:8\n", "images", "observability", "elastic stack"),
    ("compose.yaml", "services:\n  z:\n    image: openzipkin/zipkin\n", "images", "observability", "zipkin"),
    ("compose.yaml", "services:\n  es:\n    image: eventstore/eventstore:23.10.0-jammy\n", "images", "event_sourcing", "eventstoredb"),
    ("compose.yaml", "services:\n  f:\n    image: mher/flower\n", "images", "task_queue", "celery"),
    # images elsewhere: a Kubernetes manifest, a Dockerfile FROM, apt installs
    ("deploy/k8s/redis.yaml", "spec:\n  containers:\n    - name: r\n      image: redis:7\n", "images", "cache", "redis"),
    ("db/Dockerfile", "FROM postgres:16\n", "images", "database", "postgresql"),
    ("Dockerfile", "FROM debian\nRUN apt-get update && apt-get install -y rabbitmq-server\n", "images", "message_queue", "rabbitmq"),
    # processes
    ("Procfile", "web: gunicorn app:app\nworker: celery -A app worker -l info\n", "processes", "task_queue", "celery"),
    ("Procfile", "beat: celery -A app beat\n", "processes", "scheduler", "celery beat"),
    ("Procfile", "worker: rq worker high default\n", "processes", "task_queue", "rq"),
    ("Procfile", "worker: dramatiq app.tasks\n", "processes", "task_queue", "dramatiq"),
    ("Procfile", "worker: huey_consumer app.huey\n", "processes", "task_queue", "huey"),
    ("Procfile", "worker: arq app.worker.WorkerSettings\n", "processes", "task_queue", "arq"),
    ("Procfile", "worker: python manage.py qcluster\n", "processes", "task_queue", "django-q"),
    ("deploy/supervisord.conf", "[program:cron]\ncommand=supercronic /etc/crontab\n", "processes", "scheduler", "cron"),
    ("etc/app.conf", "[program:worker]\ncommand=celery -A proj worker\n", "processes", "task_queue", "celery"),
    ("compose.yaml", "services:\n  worker:\n    build: .\n    command: [\"celery\", \"-A\", \"app\", \"worker\"]\n", "processes", "task_queue", "celery"),
    ("Dockerfile", "FROM python:3.12\nCMD [\"celery\", \"-A\", \"app\", \"worker\"]\n", "processes", "task_queue", "celery"),
    ("scripts/start-worker.sh", "#!/bin/sh\nexec celery -A app worker\n", "processes", "task_queue", "celery"),
]


@pytest.mark.parametrize(("path", "text", "section", "kind", "name"), FILE_ROWS)
def test_file_signals(path: str, text: str, section: str, kind: str, name: str) -> None:
    assert (kind, name) in file_kinds(path, text)


def test_every_catalogue_entry_has_a_row() -> None:
    covered = {("imports", k, n) for _, k, n in IMPORT_ROWS}
    covered |= {(s, k, n) for _, s, k, n in PATTERN_ROWS}
    covered |= {(s, k, n) for _, _, s, k, n in FILE_ROWS}
    covered |= {("paths", k, n) for _, k, n in PATH_ROWS}
    covered |= {("roles", k, n) for _, k, n in ROLE_ROWS}
    covered |= {("url_calls", "database", "engine url")} if URL_CALL_ROWS else set()  # named after what they open
    covered |= {("settings_reads", "config", "config keys")} if SETTINGS_READ_ROWS else set()
    covered |= {("file_reads", "config", "config keys")} if FILE_READ_ROWS else set()
    # others: test_code_signals; [[stores]] make no signal (test_change_shapes checks them on a change)
    missing = [e.label for e in load_catalogue().entries
               if e.ecosystem == "pypi" and e.section != "stores" and (e.section, e.kind, e.name) not in covered]
    assert missing == []


# --- look-alikes that are not infrastructure

SILENT = [
    "import requests\nrequests.post(url, json=payload, timeout=5)\n",
    "def publish_article(article):\n    article.publish()\n    article.subscribe(user)\n",
    "import json\nwith open(path) as f:\n    data = json.load(f)\n",
    "import aiohttp\nasync def get():\n    async with aiohttp.ClientSession() as s:\n        return await s.get(u)\n",
    "from urllib3 import PoolManager\n",
    "class PluginRegistry:\n    def register(self, p): ...\n    def get(self, n): ...\n",
    "class URLDispatcher:\n    def dispatch(self, request): ...\n",
    "class Container:\n    def __init__(self, children): ...\n",
    "import time\nfor i in range(3):\n    poll()\n    time.sleep(1)\n",
    "import time\nwhile True:\n    poll()\n    time.sleep(INTERVAL * 60)\n",
    "import time\ntime.sleep(2 ** 3)\n",
    "DOCS = 'see https://example.com and ftp://files'\n",
    "import boto3\nses = boto3.client('ses')\n",
    "from .redis import cache\nfrom . import celery\n",
    "from myapp.celery import app\n",
    '"""Publishes to amqp://broker via the outbox."""\n',
    "@app.task\ndef send(): ...\n",
    "x = obj.pubsub()\n",
    "def retry_later(): ...\n",
    "engine = make_engine()\n",
]


@pytest.mark.parametrize("snippet", SILENT)
def test_look_alikes_are_silent(snippet: str) -> None:
    assert kinds(snippet) == set()


def test_models_file_with_sqlalchemy_and_no_engine_is_only_the_shared_database() -> None:
    text = "from sqlalchemy import Column, Integer\nfrom sqlalchemy.orm import Session\nfrom app.db import Base\nclass User(Base):\n    id = Column(Integer, primary_key=True)\n"
    assert kinds(text) == {("database", "sqlalchemy")}


def test_redis_used_as_a_cache_is_not_pubsub() -> None:
    text = "import redis\ncache = redis.Redis()\ncache.set('a', 1)\ncache.get('a')\n"
    assert kinds(text) == {("cache", "redis")}


def test_signals_carry_lines_via_and_detail_in_line_order() -> None:
    text = "import pika\n\nfrom sqlalchemy import create_engine\nengine = create_engine('postgresql://db/x')\n"
    got = python_signals("app/db.py", ast.parse(text), text)
    assert [(s.line, s.kind, s.name, s.via) for s in got] == [
        (1, "message_queue", "rabbitmq", "import"),
        (3, "database", "sqlalchemy", "import"),
        (4, "database", "postgresql", "settings"),
        (4, "database", "sqlalchemy engine", "pattern"),
    ]
    assert got[0].detail == "pika" and got[3].detail == "sqlalchemy.create_engine('postgresql://db/x')"  # a counted call: what it opens


def test_two_engines_give_two_counted_signals() -> None:
    text = "import sqlalchemy\na = sqlalchemy.create_engine(A)\nb = sqlalchemy.create_engine(B)\n"
    lines = [s.line for s in python_signals("x.py", ast.parse(text), text) if s.name == "sqlalchemy engine"]
    assert lines == [2, 3]


# --- compose, Dockerfile, config specifics


def test_compose_services_own_ones_as_services_known_images_by_their_kind() -> None:
    text = "version: '3.8'\nservices:\n  web:\n    build: .\n  rabbit:\n    image: rabbitmq:3\n"
    got = [(s.kind, s.name, s.line, s.via, s.detail) for s in file_signals("docker-compose.yml", text) if s.kind != "config"]
    assert got == [
        ("service", "web", 3, "compose", "build ."),
        ("message_queue", "rabbitmq", 6, "compose", "rabbitmq:3"),
    ]


def test_malformed_compose_still_yields_what_lines_say() -> None:
    got = file_kinds("docker-compose.yml", "services:\n  w:\n    command: celery -A x worker\n  [broken\n")
    assert ("task_queue", "celery") in got


def test_dockerfile_container_is_the_final_stage_base_image() -> None:
    text = "FROM python:3.12 AS build\nRUN pip install -r requirements.txt\nFROM gcr.io/distroless/python3:nonroot\nCOPY --from=build /app /app\n"
    signals = file_signals("Dockerfile", text)
    assert [(s.kind, s.name, s.line) for s in signals if s.via not in STAGE_VIAS] == [("container", "python3", 3)]
    # a stage before the last is a fact: an image of its own only when a build targets it
    assert [(s.name, s.line, s.via, s.detail) for s in signals if s.via in STAGE_VIAS] == [("python", 1, "stage", "build")]


def test_dockerfile_stage_alias_resolves_and_continuations_join() -> None:
    text = "FROM python:3.12-slim AS base\nRUN pip install \\\n    tenacity \\\n    pika==1.3\nFROM base\nENV BROKER_URL=amqp://mq//\n"
    signals = file_signals("svc/Dockerfile", text)
    assert [s.detail for s in signals if s.via == "image_env"] == ["BROKER_URL"]  # the image sets it: no key to pass
    got = {(s.kind, s.name, s.line) for s in signals if s.via != "image_env" and s.via not in STAGE_VIAS}
    assert got == {
        ("retry", "tenacity", 2),
        ("message_queue", "rabbitmq", 2),
        ("container", "python", 5),
        ("task_queue", "celery", 6),
        ("message_queue", "rabbitmq", 6),
    }


def test_env_and_ini_config_urls_and_keys() -> None:
    env = "# local\nexport REDIS_URL=redis://localhost:6379/0\nDATABASE_URL=postgres://u:p@db/app\n"
    assert file_kinds(".env", env) == {
        ("cache", "redis"),
        ("database", "postgresql"),
        ("database", "database url"),
        ("config", ".env"),
    }
    ini = "[celery]\nbroker = amqp://guest@mq//\n"
    assert file_kinds("conf/app.ini", ini) == {("message_queue", "rabbitmq"), ("config", "conf/app.ini")}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("config/settings.yaml", True),
        ("notifications/config.toml", True),
        (".env", True),
        (".env.production", True),
        (".flaskenv", True),
        ("deploy/app.ini", True),
        ("app/data.json", True),
        ("tests/fixtures/users.json", False),
        ("docs/mkdocs.yml", False),
        (".github/workflows/ci.yml", False),
        ("pyproject.toml", False),
        ("package-lock.json", False),
        (".pre-commit-config.yaml", False),
        ("app/models.py", False),
        ("README.md", False),
    ],
)
def test_is_config(path: str, expected: bool) -> None:
    assert is_config(path) is expected


def test_config_signal_is_the_path_and_absent_for_tests() -> None:
    assert file_kinds("notifications/settings.yaml", "retries: 3\n") == {("config", "notifications/settings.yaml")}
    assert file_kinds("tests/settings.yaml", "retries: 3\n") == set()
    assert file_kinds("README.md", "redis://x\n") == set()


@pytest.mark.parametrize(
    ("image", "name"),
    [
        ("rabbitmq", "rabbitmq"),
        ("rabbitmq:3-management", "rabbitmq"),
        ("docker.io/bitnami/redis:7.2@sha256:abcd", "redis"),
        ("localhost:5000/team/app:1.0", "app"),
    ],
)
def test_image_name(image: str, name: str) -> None:
    assert image_name(image) == name


def test_one_walk_costs_a_small_multiple_of_a_bare_ast_walk() -> None:
    """Relative to ``ast.walk`` on the same tree, so a loaded machine does not fail it."""
    body = "".join(
        f"class Model{i}(Base):\n    def save(self):\n        for x in items:\n            session.add(x)\n        return json.dumps({{'a': 'b.c'}})\n"
        for i in range(300)
    )
    text = "import json\nfrom sqlalchemy.orm import Session\n" + body
    tree = ast.parse(text)

    def best(fn) -> float:
        times = []
        for _ in range(5):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return min(times)

    walk = best(lambda: sum(1 for _ in ast.walk(tree)))
    ours = best(lambda: python_signals("app/models.py", tree, text))
    assert ours < 5 * walk, (ours, walk)  # about 3x today: one walk plus dict lookups


def test_signal_names_shared_with_the_index_are_the_names_signals_read_before() -> None:
    """Signals take a call's qualified name from the index (kept on the node for the detectors) when
    its chain starts at a plain name, and "" when it does not; the names are those signals' own
    reading gives, on real code (archreview's sources) and on chains at the link limit."""
    import ast
    from pathlib import Path

    import archreview
    from archreview.change import signals
    from archreview.facts.index import MAX_CHAIN, FileContext

    def own_reading(scan: signals._Scan, node: ast.AST) -> str:
        name = signals._dotted(node)
        head, _, rest = name.partition(".")
        full = scan.aliases.get(head)
        return f"{full}.{rest}" if full and rest else (full or name)

    texts = [p.read_text(encoding="utf-8") for p in sorted(Path(archreview.__file__).parent.rglob("*.py"))]
    texts += ["import os as o\n" + "o" + ".a()" * n + "\n" for n in (MAX_CHAIN - 3, MAX_CHAIN - 1, MAX_CHAIN, MAX_CHAIN + 1)]
    texts += ["from x import *\nx[0].b.c()\nf()().g()\n(lambda: 1)().h\n"]
    checked = empty = 0
    for text in texts:
        tree = ast.parse(text)
        scan = signals._Scan(tree, FileContext("m.py", tree, text))
        nodes = [c.func for c in scan.calls] + [s.value for s in scan.ctx.nodes(ast.Subscript)]
        for node in nodes:
            expected = own_reading(scan, node)
            assert scan.qualified(node) == expected, ast.unparse(node)[:80]
            checked += 1
            empty += expected == ""
    assert checked > 5000 and empty > 100
