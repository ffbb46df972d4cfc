import type { ProvisionResult, ProvisionedSetting } from '../api/schemas.js';
import { toPhoneApiError } from './phone-errors.js';
import type { PhoneClient } from './phone-manager.js';

/**
 * Writes `settings` into the phone with `store_settings=save` (so they survive a reboot),
 * reads the settings back and reports, per setting, whether the phone kept what we wrote.
 * Throws an ApiError (502/504) when the write itself fails.
 */
export async function provisionPhone(
  client: Pick<PhoneClient, 'writeSettings' | 'readSettings'>,
  phoneId: string,
  settings: Readonly<Record<string, string>>,
  action: 'write' | 'remove',
): Promise<ProvisionResult> {
  try {
    await client.writeSettings(settings, { store: true });
  } catch (error) {
    throw toPhoneApiError(
      phoneId,
      action === 'write' ? 'write the Action URLs' : 'remove the Action URLs',
      error,
    );
  }
  let actual: Record<string, string> | null = null;
  let verifyError: string | undefined;
  try {
    actual = await client.readSettings();
  } catch (error) {
    verifyError = `settings were written but could not be read back: ${error instanceof Error ? error.message : String(error)}`;
  }
  const written: ProvisionedSetting[] = Object.entries(settings).map(([setting, url]) => {
    if (actual === null) return { setting, url, accepted: false };
    const got = actual[setting];
    const accepted = got === url || (url === '' && got === undefined);
    return accepted || got === undefined
      ? { setting, url, accepted }
      : { setting, url, accepted, actual: got };
  });
  const result: ProvisionResult = {
    phoneId,
    action,
    ok: verifyError === undefined && written.every((w) => w.accepted),
    written,
  };
  if (verifyError !== undefined) result.verifyError = verifyError;
  return result;
}
