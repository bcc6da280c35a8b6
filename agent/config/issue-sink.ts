/** Collects problems found after the zod pass, with their YAML key paths, before they are placed in the file. */

export type KeyPath = readonly (string | number)[];

export interface PathIssue {
  readonly path: KeyPath;
  readonly message: string;
}

export interface IssueSink {
  error(path: KeyPath, message: string): void;
  warn(path: KeyPath, message: string): void;
}

export class IssueList implements IssueSink {
  readonly errors: PathIssue[] = [];
  readonly warnings: PathIssue[] = [];
  error(path: KeyPath, message: string): void {
    this.errors.push({ path, message });
  }
  warn(path: KeyPath, message: string): void {
    this.warnings.push({ path, message });
  }
}
