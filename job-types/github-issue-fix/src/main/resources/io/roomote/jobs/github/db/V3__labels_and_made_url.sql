-- Jobs of this module's types stored before core had labels and made_url (core's V10) get what the types give
-- today (GitHubIssueFixJobType.labels, GitHubPrReviseJobType.labels; FixJobDescription's made link), so the
-- repo= and issue= filters and "finished as pr" keep finding them. Core's migrations run first: the columns exist.
UPDATE cloud_jobs
   SET labels = jsonb_strip_nulls(jsonb_build_object('repo', payload ->> 'repo', 'issue', payload ->> 'issue'))
 WHERE type = 'github.issue.fix' AND labels = '{}'::jsonb;

UPDATE cloud_jobs
   SET labels = jsonb_strip_nulls(jsonb_build_object('repo', payload ->> 'repo', 'pr', payload ->> 'pr'))
 WHERE type = 'github.pr.revise' AND labels = '{}'::jsonb;

-- A fix job's made link is its pull request, which its result recorded. (Older review rounds are left without
-- one: their link depends on GITHUB_SERVER_URL, a setting this migration cannot read.)
UPDATE cloud_jobs
   SET made_url = result ->> 'prUrl'
 WHERE type = 'github.issue.fix' AND status = 'completed' AND made_url IS NULL
   AND jsonb_typeof(result -> 'prUrl') = 'string' AND result ->> 'prUrl' <> '';
