"""The processes of deploy/ (Procfile, systemd units) consume every queue of portal/queues.py, with one beat."""

import configparser
import re
import shlex

from portal import queues
from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"
QUEUES = {queue.name for queue in queues.task_queues("portal")}


def consumed(args):
    words = shlex.split(args)
    return set(words[words.index("-Q") + 1].split(",")) if "-Q" in words else set(QUEUES)


def test_the_procfile_runs_web_one_beat_and_a_worker_for_every_queue():
    processes = dict(re.findall(r"^(\w+): (.+)$", (DEPLOY / "Procfile").read_text(), re.M))
    workers = [command for command in processes.values() if " worker " in command]
    assert set().union(*map(consumed, workers)) == QUEUES
    assert sum(" beat " in command for command in processes.values()) == 1
    assert "gunicorn --config portal/gunicorn.conf.py portal.wsgi" in processes["web"]


def test_the_systemd_workers_together_consume_every_queue_and_the_recovery_one_alone():
    groups = {path.stem.removeprefix("worker-"): re.search(r"^WORKER_ARGS=(.+)$", path.read_text(), re.M).group(1)
              for path in (DEPLOY / "systemd").glob("worker-*.env")}
    assert consumed(groups.pop("all")) == QUEUES  # a province's single worker
    assert set().union(*map(consumed, groups.values())) == QUEUES
    assert consumed(groups["recovery"]) == {"portal.recovery"}
    unit = configparser.ConfigParser(interpolation=None, strict=False)
    unit.read(DEPLOY / "systemd" / "portal-worker@.service")
    assert "/etc/portal/worker-%i.env" in unit["Service"]["EnvironmentFile"]
    assert "$WORKER_ARGS" in unit["Service"]["ExecStart"]
