import { CREDENTIAL_URL } from '../helpers';
import type { Rule } from '../types';

/** MLP-SEC-3: No credentials in URLs. */
export const MLP_SEC_3: Rule = {
  id: 'MLP-SEC-3',
  title: 'No credentials in URLs',
  why: 'scheme://user:password@host URIs end up in logs, process listings and the MLflow UI.',
  fix: 'Keep credentials out of URIs: libpq reads PGUSER and PGPASSWORD from the environment, injected from a secret store.',
  appliesTo: ['*'],
  check: ({ block }) => (CREDENTIAL_URL.test(JSON.stringify(block)) ? 'a URL with embedded credentials' : undefined),
};
