import { AppException, appErrorFactory } from './app.exception';
import { ErrorKind } from './error-kind';

describe('appErrorFactory', () => {
  const featureError = appErrorFactory({
    invalid_thing: ErrorKind.InvalidArgument,
    thing_conflict: ErrorKind.Conflict,
  });

  it('raises the code with the kind declared for it', () => {
    const details = [{ path: 'thing', message: 'must be a thing' }];
    const error = featureError('invalid_thing', 'invalid thing', details);
    expect(error).toBeInstanceOf(AppException);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      code: 'invalid_thing',
      kind: ErrorKind.InvalidArgument,
      message: 'invalid thing',
      details,
      name: 'AppException',
    });
  });

  it('has no details unless given', () => {
    expect(featureError('thing_conflict', 'taken').details).toEqual([]);
  });
});
