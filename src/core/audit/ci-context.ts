/**
 * Where a run happened, when it ran in CI: provider, repository, commit, ref, run URL and job,
 * from the documented environment variables of GitHub Actions, GitLab CI, Jenkins, CircleCI
 * and Buildkite. Only the variables named here are read (never a token variable); URLs lose
 * any user:password and query string, and every value is cut to 512 printable characters.
 */

/** The CI context written into receipts and attestations. */
export interface CiContext {
  provider: "github-actions" | "gitlab-ci" | "jenkins" | "circleci" | "buildkite";
  repository: string | null;
  commit: string | null;
  ref: string | null;
  run_url: string | null;
  job: string | null;
}

type Env = Record<string, string | undefined>;

function clean(value: string | undefined): string | null {
  if (value === undefined) return null;
  const text = value.replace(/[\u0000-\u001f\u007f-\u009f]/g, "").trim();
  return text === "" ? null : text.slice(0, 512);
}

/** A URL without credentials or query (Jenkins' GIT_URL may carry user:token@). */
function cleanUrl(value: string | undefined): string | null {
  const text = clean(value);
  if (!text) return null;
  try {
    const u = new URL(text);
    u.username = "";
    u.password = "";
    u.search = "";
    u.hash = "";
    return u.toString();
  } catch {
    // scp-like git remotes (git@host:org/repo.git) hold no secret; anything else with an @ might.
    return /^[\w.-]+@[\w.-]+:[\w./-]+$/.test(text) ? text : text.replace(/^[^@]*@/, "");
  }
}

/** The CI context of this environment, or null outside the five known providers. */
export function detectCiContext(env: Env): CiContext | null {
  if (env.GITHUB_ACTIONS === "true") {
    const server = clean(env.GITHUB_SERVER_URL) ?? "https://github.com";
    const repo = clean(env.GITHUB_REPOSITORY);
    const runId = clean(env.GITHUB_RUN_ID);
    const attempt = clean(env.GITHUB_RUN_ATTEMPT);
    return {
      provider: "github-actions",
      repository: repo,
      commit: clean(env.GITHUB_SHA),
      ref: clean(env.GITHUB_REF),
      run_url:
        repo && runId
          ? cleanUrl(
              `${server}/${repo}/actions/runs/${runId}${attempt ? `/attempts/${attempt}` : ""}`,
            )
          : null,
      job: clean(env.GITHUB_JOB),
    };
  }
  if (env.GITLAB_CI === "true") {
    return {
      provider: "gitlab-ci",
      repository: clean(env.CI_PROJECT_PATH),
      commit: clean(env.CI_COMMIT_SHA),
      ref: clean(env.CI_COMMIT_REF_NAME),
      run_url: cleanUrl(env.CI_JOB_URL ?? env.CI_PIPELINE_URL),
      job: clean(env.CI_JOB_NAME),
    };
  }
  if (env.BUILDKITE === "true") {
    return {
      provider: "buildkite",
      repository: cleanUrl(env.BUILDKITE_REPO),
      commit: clean(env.BUILDKITE_COMMIT),
      ref: clean(env.BUILDKITE_BRANCH),
      run_url: cleanUrl(env.BUILDKITE_BUILD_URL),
      job: clean(env.BUILDKITE_LABEL ?? env.BUILDKITE_STEP_KEY),
    };
  }
  if (env.CIRCLECI === "true") {
    const user = clean(env.CIRCLE_PROJECT_USERNAME);
    const name = clean(env.CIRCLE_PROJECT_REPONAME);
    return {
      provider: "circleci",
      repository: user && name ? `${user}/${name}` : cleanUrl(env.CIRCLE_REPOSITORY_URL),
      commit: clean(env.CIRCLE_SHA1),
      ref: clean(env.CIRCLE_BRANCH ?? env.CIRCLE_TAG),
      run_url: cleanUrl(env.CIRCLE_BUILD_URL),
      job: clean(env.CIRCLE_JOB),
    };
  }
  if (env.JENKINS_URL !== undefined || env.JENKINS_HOME !== undefined) {
    return {
      provider: "jenkins",
      repository: cleanUrl(env.GIT_URL),
      commit: clean(env.GIT_COMMIT),
      ref: clean(env.GIT_BRANCH ?? env.BRANCH_NAME),
      run_url: cleanUrl(env.BUILD_URL),
      job: clean(env.JOB_NAME),
    };
  }
  return null;
}
