"""The dashboard in headless Chromium (Selenium, chromedriver), against a database with
running, failed, cancelled, delayed and scheduled work and a live `baton cluster`: each page's
content, the actions and their effect in the database, live updates, hostile names shown as
text and never run. Run by scripts/browser-test, which starts the processes; screenshots go
to $SCREENSHOTS."""

import os
import subprocess
import time
import unittest
import urllib.parse

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

DATABASE = os.environ["BATON_DATABASE_URL"]
DASHBOARD = os.environ["BATON_DASHBOARD_URL"]
READ_ONLY = os.environ["BATON_READ_ONLY_URL"]
SCREENSHOTS = os.environ["SCREENSHOTS"]

HOSTILE_GROUP = "g'\"<script>alert(1)</script>-ünï-🚀"
HOSTILE_ARG = "</pre><script>alert(2)</script><img src=x onerror=alert(3)>"
FAILURE = "boom <b>bold</b> & 'quoted'"


def sql(query, *values):
    """Rows of `query` (psql, values as variables :'v1', :'v2', ...), each a list of text."""
    command = ["psql", DATABASE, "-qAt", "-F", "\t", "-v", "ON_ERROR_STOP=1"]
    for index, value in enumerate(values, 1):
        command += ["-v", f"v{index}={value}"]
    done = subprocess.run(command, input=query, capture_output=True, text=True, check=True)
    return [line.split("\t") for line in done.stdout.splitlines() if line]


def value(query, *values):
    rows = sql(query, *values)
    return rows[0][0] if rows else None


def wait_until(condition, seconds=15, every=0.2):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()


def left_document(element):
    """Whether the element has left the document: the page it was on was replaced. Chromium
    may say so as "does not belong to the document" rather than as a stale reference."""
    try:
        element.is_enabled()
        return False
    except StaleElementReferenceException:
        return True
    except WebDriverException as error:
        if "does not belong to the document" in str(error):
            return True
        raise


class DashboardTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        sql("""
            SELECT baton.async_task('baton.echo', jsonb_build_array(n), queue => 'history') FROM generate_series(1, 120) AS n;
            SELECT baton.async_task('baton.echo', jsonb_build_array(:'v1'::text, 'ünï''cødé "q"'), queue => 'history');
            SELECT baton.async_task('baton.fail', jsonb_build_array(:'v2'::text), max_attempts => 2, retry_delay => '0');
            SELECT baton.async_task('baton.sleep', '[60000]', queue => 'mail');
            SELECT baton.async_task('baton.echo', '[7]', run_at => now() + interval '1 hour');
            SELECT baton.async_chain('[["baton.echo", [1]], ["baton.sleep", [60000]], ["baton.echo", [3]]]', "group" => :'v3');
            SELECT baton.cancel(task_id => baton.async_task('baton.echo', '[0]', queue => 'history', name => 'doomed'));
            SELECT baton.schedule('nightly <i>', 'baton.echo', '["from the schedule"]', schedule_type => 'daily',
                                  next_run => now() + interval '1 day');
            """, HOSTILE_ARG, FAILURE, HOSTILE_GROUP)
        # The failure fails twice, the sleeps start.
        assert wait_until(lambda: value("SELECT count(*) FROM baton.results WHERE func = 'baton.fail'") == "1", 30)
        assert wait_until(lambda: value("SELECT count(*) FROM baton.tasks WHERE state = 'running'") == "2", 30)
        options = webdriver.ChromeOptions()
        for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,1000",
                         "--disable-dev-shm-usage"]:
            options.add_argument(argument)
        options.binary_location = "/usr/bin/chromium"
        cls.browser = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        cls.browser.set_page_load_timeout(30)

    @classmethod
    def tearDownClass(cls):
        cls.browser.quit()

    def open(self, path, base=DASHBOARD):
        self.browser.get(base + path)
        self.assertNoAlert()
        return self.browser

    def shot(self, name):
        self.browser.save_screenshot(os.path.join(SCREENSHOTS, name + ".png"))

    def stable(self, read):
        """`read()`, again when the page's live refresh replaced what it was reading."""
        for _ in range(10):
            try:
                return read()
            except StaleElementReferenceException:
                time.sleep(0.1)
            except WebDriverException as error:
                if "does not belong to the document" not in str(error):
                    raise
                time.sleep(0.1)
        return read()

    def text(self, selector):
        return self.stable(lambda: self.browser.find_element(By.CSS_SELECTOR, selector).text)

    def assertNoAlert(self):
        try:
            alert = self.browser.switch_to.alert
        except NoAlertPresentException:
            return
        self.fail(f"a dialog opened: {alert.text!r} (a script ran from the page's data)")

    def assertOnlyOurScript(self):
        scripts = self.browser.find_elements(By.TAG_NAME, "script")
        self.assertEqual([s.get_attribute("src").split("/")[-1] for s in scripts], ["dashboard.js"])
        self.assertEqual(self.browser.find_elements(By.CSS_SELECTOR, "main img"), [])

    def submit(self, button, confirm=False):
        """Clicks a form's button (accepting its confirmation) and waits for the next page.
        `button` is a function that finds it: found again when the page's live refresh
        replaced it before the click landed."""
        old = self.browser.find_element(By.TAG_NAME, "html")
        for attempt in range(10):
            try:
                button().click()
                break
            except (StaleElementReferenceException, WebDriverException) as error:
                gone = isinstance(error, StaleElementReferenceException) or "does not belong to the document" in str(error)
                if attempt == 9 or not gone:
                    raise
                time.sleep(0.2)
        if confirm:
            WebDriverWait(self.browser, 5).until(expected_conditions.alert_is_present()).accept()
        WebDriverWait(self.browser, 10).until(lambda _: left_document(old))
        self.assertNoAlert()

    def test_01_overview_is_live_and_counts_the_queue(self):
        self.open("/")
        self.assertEqual(self.text("h1"), "Overview")
        WebDriverWait(self.browser, 10).until(lambda b: b.find_element(By.ID, "live-status").text == "live")
        queued = value("SELECT count(*) FROM baton.tasks WHERE state = 'queued' AND run_at <= now()")
        self.assertEqual(self.text("#queued-total"), queued)
        self.assertEqual(self.text("#clusters-alive"), "1")
        self.assertEqual(self.text("#failed-hour"), "1")
        rows = self.text("#by-function")
        self.assertIn("history", rows)
        self.assertIn("no cluster serves it", rows)
        self.assertOnlyOurScript()
        self.shot("overview")

    def test_02_tasks_are_paged_by_keyset(self):
        self.open("/tasks?queue=history")
        seen = []
        for page in range(5):
            ids = [box.get_attribute("value") for box in self.browser.find_elements(By.NAME, "task")]
            self.assertLessEqual(len(ids), 50)
            seen += ids
            older = self.browser.find_elements(By.ID, "older")
            if not older:
                break
            self.submit(lambda: self.browser.find_element(By.ID, "older"))
        self.assertEqual(len(seen), len(set(seen)), "a task was shown on two pages")
        expected = int(value("SELECT count(*) FROM baton.tasks WHERE queue = 'history'")) + \
            int(value("SELECT count(*) FROM baton.results WHERE queue = 'history'"))
        self.assertEqual(len(seen), expected)
        self.assertEqual(seen, sorted(seen, reverse=True), "not newest first")
        self.assertIn("No older tasks.", self.text(".pager"))

    def test_03_hostile_names_are_text(self):
        self.open("/tasks")
        self.assertIn(HOSTILE_GROUP, self.text("#tasks"))
        self.assertOnlyOurScript()
        self.shot("tasks")
        task = value("SELECT id FROM baton.tasks WHERE args->>0 = :'v1'", HOSTILE_ARG)
        self.open(f"/task?id={task}")
        self.assertIn(HOSTILE_ARG, self.text("#args"))
        self.assertOnlyOurScript()
        # Filtered by the hostile group: the search finds it, the filter keeps it.
        # (chromedriver types no character beyond the BMP: the search goes in the URL.)
        self.open("/tasks?q=" + urllib.parse.quote(HOSTILE_GROUP, safe=""))
        self.assertEqual(self.browser.find_element(By.NAME, "q").get_attribute("value"), HOSTILE_GROUP)
        states = [s.text for s in self.browser.find_elements(By.CSS_SELECTOR, "#tasks .state")]
        self.assertEqual(len(states), 3, states)

    def test_04_a_failed_task_shows_each_attempt_and_is_retried(self):
        task = value("SELECT id FROM baton.results WHERE func = 'baton.fail'")
        self.open(f"/task?id={task}")
        self.assertIn(FAILURE, self.text("#error"))
        self.assertEqual(len(self.browser.find_elements(By.CSS_SELECTOR, "#attempt-errors tr")), 2)
        self.assertIn("started", self.text("#timeline"))
        self.shot("task-failed")
        stopped = value("SELECT stopped_at FROM baton.results WHERE id = :'v1'", task)
        self.submit(lambda: self.browser.find_element(By.ID, "retry"))
        self.assertIn("queued 1 task again", self.text(".flash"))
        # It runs again (and fails again): a new result, or still in the queue.
        self.assertTrue(wait_until(lambda: value(
            "SELECT count(*) FROM baton.tasks WHERE id = :'v1'", task) == "1" or value(
            "SELECT stopped_at FROM baton.results WHERE id = :'v1'", task) not in (None, stopped)))

    def test_05_a_running_task_is_cancelled(self):
        task = value("SELECT id FROM baton.tasks WHERE func = 'baton.sleep' AND queue = 'mail'")
        self.open(f"/task?id={task}")
        self.assertEqual(self.text("h1 .state"), "running")
        self.submit(lambda: self.browser.find_element(By.ID, "cancel"), confirm=True)
        self.assertIn("cancelled 1 task", self.text(".flash"))
        self.assertEqual(value("SELECT cancelled FROM baton.results WHERE id = :'v1'", task), "t")
        self.assertEqual(self.text("h1 .state"), "cancelled")

    def test_06_a_chain_shows_its_links_and_is_cancelled(self):
        self.open("/groups")
        self.assertIn(HOSTILE_GROUP, self.text("#groups"))
        self.shot("groups")
        self.submit(lambda: self.browser.find_element(By.LINK_TEXT, HOSTILE_GROUP))
        links = self.browser.find_elements(By.CSS_SELECTOR, "#links tbody tr")
        self.assertEqual(len(links), 3)
        self.assertIn("succeeded", links[0].text)
        self.assertIn("running", links[1].text)
        self.shot("chain")
        self.submit(lambda: self.browser.find_element(By.ID, "cancel-group"), confirm=True)
        self.assertIn("cancelled 2 tasks", self.text(".flash"))
        self.assertEqual(value('SELECT count(*) FROM baton.tasks WHERE group_id = :\'v1\'', HOSTILE_GROUP), "0")
        self.assertOnlyOurScript()

    def button(self, row, label):
        """A function that finds the button `label` in the table row `row` (a CSS selector)."""
        return lambda: self.browser.find_element(By.CSS_SELECTOR, row).find_element(
            By.XPATH, f".//button[text()='{label}']")

    def test_07_queues_pause_resume_and_limit_for_every_cluster(self):
        self.open("/queues")
        self.shot("queues")
        history, mail = 'tr[data-queue="history"]', 'tr[data-queue="mail"]'
        self.submit(self.button(history, "Pause"))
        self.assertEqual(value("SELECT paused FROM baton.queues WHERE name = 'history'"), "t")
        self.assertIn("paused", self.text(history))
        self.submit(self.button(history, "Resume"))
        self.assertEqual(value("SELECT paused FROM baton.queues WHERE name = 'history'"), "f")
        self.stable(lambda: self.browser.find_element(By.CSS_SELECTOR, mail + " input[name=limit]").send_keys("3"))
        self.submit(self.button(mail, "Set limit"))
        self.assertEqual(value("SELECT running_limit FROM baton.queues WHERE name = 'mail'"), "3")
        self.stable(lambda: self.browser.find_element(By.CSS_SELECTOR, mail + " input[name=limit]").send_keys("x"))
        self.submit(self.button(mail, "Set limit"))
        self.assertIn("whole number", self.text(".flash.error"))
        self.assertEqual(value("SELECT running_limit FROM baton.queues WHERE name = 'mail'"), "3")

    def test_08_a_schedule_runs_now(self):
        self.open("/schedules")
        row = "#schedules tbody tr"
        self.assertIn("nightly <i>", self.text(row))
        self.shot("schedules")
        self.submit(self.button(row, "Run now"))
        self.assertIn("ran nightly <i> now", self.text(".flash"))
        self.assertTrue(wait_until(lambda: value(
            "SELECT count(*) FROM baton.results WHERE args->>0 = 'from the schedule'") == "1"))

    def test_09_clusters_show_the_running_cluster(self):
        self.open("/clusters")
        name = value("SELECT name FROM baton.clusters")
        self.assertIn(name, self.text("#clusters"))
        self.assertIn("alive", self.text("#clusters"))
        self.shot("clusters")

    def test_10_pages_follow_the_queue_without_reloading(self):
        self.open("/")
        WebDriverWait(self.browser, 10).until(lambda b: b.find_element(By.ID, "live-status").text == "live")
        marker = self.browser.execute_script("document.body.dataset.marker = 'same page'; return 1")
        before = int(self.text("#queued-total"))
        # Into a queue no cluster serves (no notification of its own), with a task the cluster
        # runs: its completion is the news.
        sql("""SELECT baton.async_task('baton.echo', '[1]', queue => 'nobody');
               SELECT baton.async_task('baton.echo', '[2]', name => 'the news');""")
        # The page replaces its <main> as it refreshes: an element read may go stale meanwhile.
        WebDriverWait(self.browser, 8, ignored_exceptions=[StaleElementReferenceException]).until(
            lambda b: int(b.find_element(By.ID, "queued-total").text) == before + 1)
        self.assertEqual(self.browser.execute_script("return document.body.dataset.marker"), "same page")
        self.assertGreaterEqual(int(self.browser.execute_script("return document.body.dataset.refreshed || 0")), 1)
        self.assertEqual(marker, 1)
        # News that changes nothing on the page: it fetches the page again and keeps the one it has.
        fetched = lambda: int(self.browser.execute_script("return document.body.dataset.fetched || 0"))
        WebDriverWait(self.browser, 10).until(lambda _: value(
            "SELECT count(*) FROM baton.results WHERE name = 'the news'") == "1")
        for _ in range(2):  # the second fetch shows the queue as it stays
            seen = fetched()
            sql("SELECT pg_notify('baton', 'queued')")
            WebDriverWait(self.browser, 8).until(lambda _: fetched() > seen)
        self.browser.execute_script("document.getElementById('main').dataset.marker = 'kept'")
        seen = fetched()
        sql("SELECT pg_notify('baton', 'queued')")
        WebDriverWait(self.browser, 8).until(lambda _: fetched() > seen)
        self.assertEqual(self.browser.execute_script("return document.getElementById('main').dataset.marker"), "kept")

    def test_11_failures_and_bulk_retry(self):
        self.open("/failures")
        states = {s.text for s in self.browser.find_elements(By.CSS_SELECTOR, "#tasks .state")}
        self.assertEqual(states, {"failed"})
        self.shot("failures")
        self.open("/tasks?state=cancelled&queue=history")
        boxes = self.browser.find_elements(By.NAME, "task")
        self.assertGreaterEqual(len(boxes), 1)
        cancelled = int(value("SELECT count(*) FROM baton.results WHERE cancelled AND queue = 'history'"))
        self.stable(lambda: self.browser.find_element(By.ID, "select-all").click())
        self.submit(lambda: self.browser.find_element(By.XPATH, "//button[text()='Retry selected']"))
        self.assertIn("again", self.text(".flash"))
        self.assertEqual(int(value("SELECT count(*) FROM baton.results WHERE cancelled AND queue = 'history'")), 0)
        self.assertEqual(value("SELECT count(*) FROM baton.tasks WHERE name = 'doomed'"), str(cancelled))

    def test_12_a_read_only_dashboard_offers_no_action(self):
        for path in ["/tasks", "/queues", "/schedules", "/failures"]:
            self.open(path, base=READ_ONLY)
            self.assertEqual(self.browser.find_elements(By.CSS_SELECTOR, "main button[name=action]"), [], path)
            self.assertIn("read-only", self.text("header"))
        task = value("SELECT id FROM baton.results WHERE func = 'baton.echo' AND cancelled LIMIT 1") or \
            value("SELECT id FROM baton.results LIMIT 1")
        self.open(f"/task?id={task}", base=READ_ONLY)
        self.assertEqual(self.browser.find_elements(By.CSS_SELECTOR, ".actions button"), [])

    def test_13_a_result_is_deleted(self):
        task = value("SELECT id FROM baton.results WHERE success AND func = 'baton.echo' LIMIT 1")
        self.open(f"/task?id={task}")
        self.assertEqual(self.text("h1 .state"), "succeeded")
        self.submit(lambda: self.browser.find_element(By.ID, "delete"), confirm=True)
        self.assertIn("deleted 1 result", self.text(".flash"))
        self.assertEqual(value("SELECT count(*) FROM baton.results WHERE id = :'v1'", task), "0")
        self.open(f"/task?id={task}")
        self.assertEqual(self.text("h1"), "Not found")


if __name__ == "__main__":
    unittest.main()
