/**
 * A rule setting that cannot work, found when the rule is built. The message names the rule and
 * the setting so it can be shown to the installer as is (no stack trace needed).
 */
export class RuleConfigError extends Error {
  override readonly name = 'RuleConfigError';
}
