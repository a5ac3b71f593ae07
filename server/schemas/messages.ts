/**
 * DRF's wording for common field errors, so a frontend written against the original service
 * shows the same messages. Registered once with zod; schemas may still override per field.
 */
import { z } from 'zod';

z.config({
  customError: (issue) => {
    if (issue.code === 'invalid_type') {
      if (issue.input === undefined) return 'This field is required.';
      if (issue.input === null) return 'This field may not be null.';
      if (issue.expected === 'string') return 'Not a valid string.';
      if (issue.expected === 'boolean') return 'Must be a valid boolean.';
      if (issue.expected === 'object') return 'Invalid data. Expected a dictionary.';
      return `Expected ${issue.expected}.`;
    }
    if (issue.code === 'too_big' && issue.origin === 'string') {
      return `Ensure this field has no more than ${issue.maximum} characters.`;
    }
    if (issue.code === 'too_small' && issue.origin === 'string') {
      return issue.minimum === 1
        ? 'This field may not be blank.'
        : `Ensure this field has at least ${issue.minimum} characters.`;
    }
    return undefined;
  },
});

export { z };
