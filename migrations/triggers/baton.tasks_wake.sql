-- One event for each task a notifying enqueue inserts (the WHEN is looked at as the row is
-- inserted); the first at commit does the work, the others return.
-- A constraint trigger cannot be replaced in place (CREATE OR REPLACE does not apply).
DROP TRIGGER IF EXISTS tasks_wake ON baton.tasks;
CREATE CONSTRAINT TRIGGER tasks_wake AFTER INSERT ON baton.tasks DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW WHEN (current_setting('baton.wake', true) = 'on') EXECUTE FUNCTION baton.wake_waiting_clusters();
