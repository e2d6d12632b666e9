"""The RabbitMQ broker's queue types, its node list, and move_queue, against the real RabbitMQ.

Each test uses queues of its own (a random name) and deletes them at the end.
"""

from __future__ import annotations

import uuid
from io import StringIO

import dramatiq
import pika
import pytest
from django.core.management import CommandError, call_command
from dramatiq.brokers.rabbitmq import RabbitmqBroker as DramatiqRabbitmqBroker

from leadengine.jobs.broker import RabbitmqBroker
from leadengine.settings import _amqp_url
from tests.conftest import RABBITMQ_URL, need_services

pytestmark = pytest.mark.services


@pytest.fixture
def queue():
    if not RABBITMQ_URL:
        need_services("RabbitMQ (DRAMATIQ_BROKER_URL)")
    try:
        pika.BlockingConnection(pika.URLParameters(_amqp_url(RABBITMQ_URL))).close()
    except Exception as exc:
        need_services(f"RabbitMQ ({type(exc).__name__})")
    name = f"test_broker_{uuid.uuid4().hex[:8]}"
    yield name
    connection = pika.BlockingConnection(pika.URLParameters(RABBITMQ_URL))
    channel = connection.channel()
    for suffix in ("", ".DQ", ".XQ", ".move", ".DQ.move", ".XQ.move"):
        channel.queue_delete(name + suffix)
    connection.close()


def broker(queue_type: str, url: str | list[str] | None = None) -> RabbitmqBroker:
    return RabbitmqBroker(
        url=url or _amqp_url(RABBITMQ_URL), confirm_delivery=True, queue_type=queue_type, middleware=[]
    )


def message(queue: str, n: int) -> dramatiq.Message:
    return dramatiq.Message(
        queue_name=queue, actor_name="run_scrape_job", args=(str(n),), kwargs={}, options={}
    )


def declared_as(queue_type: str, name: str) -> bool:
    """Whether RabbitMQ accepts the declaration a broker of `queue_type` makes for the existing queue
    `name` (it refuses a declaration with other arguments, a queue type among them, with 406)."""
    declarer = broker(queue_type)
    declare = declarer._declare_xq_queue if name.endswith(".XQ") else declarer._declare_queue
    try:
        # _declare_queue declares the name it is given; .XQ's declaration adds the suffix itself.
        declare(name.removesuffix(".XQ"))
        return True
    except pika.exceptions.ChannelClosedByBroker as exc:
        assert exc.reply_code == 406
        return False
    finally:
        declarer.close()


def bodies(queue: str) -> list[bytes]:
    connection = pika.BlockingConnection(pika.URLParameters(RABBITMQ_URL))
    channel = connection.channel()
    found = []
    while True:
        method, _properties, body = channel.basic_get(queue, auto_ack=True)
        if method is None:
            break
        found.append(body)
    connection.close()
    return found


def test_quorum_declares_the_queue_its_delay_and_dead_letter_queues_as_quorum_queues(queue):
    quorum = broker("quorum")
    quorum.declare_queue(queue, ensure=True)
    quorum.close()
    for name in (queue, f"{queue}.DQ", f"{queue}.XQ"):
        assert not declared_as("classic", name), name
        assert declared_as("quorum", name), name


def test_a_rejected_message_on_a_quorum_queue_reaches_its_dead_letter_queue(queue):
    quorum = broker("quorum")
    quorum.enqueue(message(queue, 1))
    consumer = quorum.consume(queue, timeout=2000)
    received = next(message for message in consumer if message is not None)
    consumer.nack(received)
    consumer.close()
    quorum.close()
    dead = bodies(f"{queue}.XQ")
    assert [dramatiq.Message.decode(body).args for body in dead] == [("1",)]


def test_classic_stays_as_dramatiq_declares_it(queue):
    classic = broker("classic")
    classic.declare_queue(queue, ensure=True)
    classic.close()
    plain = DramatiqRabbitmqBroker(url=RABBITMQ_URL, middleware=[])
    plain.declare_queue(queue, ensure=True)  # same arguments: no 406
    plain.close()
    assert not declared_as("quorum", queue)


def test_quorum_refuses_x_max_priority_and_unknown_types():
    with pytest.raises(ValueError, match="max-priority"):
        RabbitmqBroker(url=RABBITMQ_URL or "amqp://x", queue_type="quorum", max_priority=5)
    with pytest.raises(ValueError, match="queue_type"):
        RabbitmqBroker(url=RABBITMQ_URL or "amqp://x", queue_type="stream")


def test_a_node_that_refuses_connections_is_skipped_for_the_next_in_the_list(queue):
    # Port 1 refuses: the first node of the list is down, the publish goes to the second.
    down = "amqp://guest:guest@127.0.0.1:1/%2F"
    listed = broker("quorum", url=[_amqp_url(down), _amqp_url(RABBITMQ_URL)])
    listed.enqueue(message(queue, 7))
    listed.close()
    assert len(bodies(queue)) == 1


def test_the_settings_read_a_comma_separated_node_list(monkeypatch):
    import importlib

    import leadengine.settings as settings_module

    monkeypatch.setenv("DRAMATIQ_BROKER_URL", "amqp://u:p@mq1:5672/%2F, amqp://u:p@mq2:5673/%2F")
    monkeypatch.setenv("DRAMATIQ_QUEUE_TYPE", "quorum")
    try:
        reloaded = importlib.reload(settings_module)
        options = reloaded.DRAMATIQ_BROKER["OPTIONS"]
        assert reloaded.DRAMATIQ_BROKER["BROKER"] == "leadengine.jobs.broker.RabbitmqBroker"
        assert options["queue_type"] == "quorum"
        assert [url.split("?")[0] for url in options["url"]] == [
            "amqp://u:p@mq1:5672/%2F",
            "amqp://u:p@mq2:5673/%2F",
        ]
    finally:
        monkeypatch.undo()
        importlib.reload(settings_module)


def test_move_queue_brings_a_classic_install_to_quorum_without_losing_a_message(queue, settings, monkeypatch):
    classic = broker("classic")
    for n in range(300):
        classic.enqueue(message(queue, n))
    for n in range(300, 320):
        classic.enqueue(message(queue, n), delay=3_600_000)
    classic.close()
    # A message a failed job left in the dead-letter queue moves too.
    connection = pika.BlockingConnection(pika.URLParameters(RABBITMQ_URL))
    connection.channel().basic_publish("", f"{queue}.XQ", message(queue, 999).encode())
    connection.close()

    quorum = broker("quorum")
    monkeypatch.setattr(dramatiq, "get_broker", lambda: quorum)
    out = StringIO()
    call_command("move_queue", "--queue", queue, stdout=out)
    assert f"{queue}: quorum, 300 messages moved" in out.getvalue()
    assert f"{queue}.DQ: quorum, 20 messages moved" in out.getvalue()
    assert f"{queue}.XQ: quorum, 1 messages moved" in out.getvalue()

    # Run again: nothing left to do.
    out = StringIO()
    call_command("move_queue", "--queue", queue, stdout=out)
    assert out.getvalue().count("already quorum") == 3
    quorum.close()

    for name in (queue, f"{queue}.DQ", f"{queue}.XQ"):
        assert declared_as("quorum", name) and not declared_as("classic", name)
    ids = [int(dramatiq.Message.decode(body).args[0]) for body in bodies(queue)]
    assert sorted(ids) == list(range(300))
    assert len(bodies(f"{queue}.DQ")) == 20 and len(bodies(f"{queue}.XQ")) == 1


def test_move_queue_refuses_while_workers_consume(queue, monkeypatch):
    classic = broker("classic")
    consumer = classic.consume(queue, timeout=100)
    next(consumer)  # pika subscribes on the first read
    quorum = broker("quorum")
    monkeypatch.setattr(dramatiq, "get_broker", lambda: quorum)
    try:
        with pytest.raises(CommandError, match="stop them"):
            call_command("move_queue", "--queue", queue, stdout=StringIO())
    finally:
        consumer.close()
        classic.close()
        quorum.close()
