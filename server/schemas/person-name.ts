/**
 * A person's name (`full_name`): the one schema register, the profile update, the staff PATCH
 * and `cli createsuperuser` share. Names are shown to people (frontends, the admin list), so a
 * name must look like what it is: no control characters (a newline starts a paragraph of the
 * writer's choosing), and no invisible or formatting characters that fake layout or hide text
 * (bidi overrides such as U+202E turn text around, zero-width spaces and fillers hide it, line
 * and paragraph separators break lines, unpaired surrogates are not text at all).
 *
 * Two invisible characters are part of ordinary writing and stay allowed where they do their
 * job: the zero-width joiner and non-joiner between two letters, marks or symbols (Persian and
 * Indic names, emoji sequences such as a family), and an emoji variation selector right after a
 * visible character.
 */
import { z } from './messages.js';

/** Controls, formatting characters, line and paragraph separators, surrogates, ignorables. */
const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Default_Ignorable_Code_Point}]/u;
const JOINER_IN_PLACE =
  /(?<=[\p{L}\p{M}\p{N}\p{S}\uFE0F])[\u200C\u200D](?=[\p{L}\p{M}\p{N}\p{S}])/gu;
const SELECTOR_IN_PLACE = /(?<=[\p{L}\p{M}\p{N}\p{S}\p{P}])[\uFE00-\uFE0F]/gu;

export const NAME_CHARACTERS_MESSAGE =
  'Names cannot contain control characters or invisible formatting characters.';

/** True when `name` holds a character a reader cannot see or that changes the layout. */
function hasHiddenCharacters(name: string): boolean {
  return HIDDEN.test(name.replace(JOINER_IN_PLACE, '').replace(SELECTOR_IN_PLACE, ''));
}

export const fullNameField = z
  .string()
  .trim()
  .min(1)
  .max(255)
  .refine((name) => !hasHiddenCharacters(name), { error: NAME_CHARACTERS_MESSAGE })
  .meta({
    description:
      '1 to 255 characters after trimming; no control characters or invisible formatting characters.',
  });
