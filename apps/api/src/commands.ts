import type { Provider, Type } from '@nestjs/common';
import { DissolveUnitHandler } from './units/dissolve-unit/dissolve-unit.command';
import { DissolveUnitRoute } from './units/dissolve-unit/dissolve-unit.route';
import { MoveUnitHandler } from './units/move-unit/move-unit.command';
import { MoveUnitRoute } from './units/move-unit/move-unit.route';
import { RegisterUnitHandler } from './units/register-unit/register-unit.command';
import { RegisterUnitRoute } from './units/register-unit/register-unit.route';
import { RenameUnitHandler } from './units/rename-unit/rename-unit.command';
import { RenameUnitRoute } from './units/rename-unit/rename-unit.route';
import { RegisterCadreHandler } from './cadres/register-cadre/register-cadre.command';
import { RegisterCadreRoute } from './cadres/register-cadre/register-cadre.route';
import { TransferCadreHandler } from './cadres/transfer-cadre/transfer-cadre.command';
import { TransferCadreRoute } from './cadres/transfer-cadre/transfer-cadre.route';
import { IssueSheetHandler } from './sheets/issue-sheet/issue-sheet.command';
import { IssueSheetRoute } from './sheets/issue-sheet/issue-sheet.route';
import { AcknowledgeItemHandler } from './items/acknowledge-item/acknowledge-item.command';
import { AcknowledgeItemRoute } from './items/acknowledge-item/acknowledge-item.route';
import { AssignItemHandler } from './items/assign-item/assign-item.command';
import { AssignItemRoute } from './items/assign-item/assign-item.route';
import { ConcludeItemHandler } from './items/conclude-item/conclude-item.command';
import { ConcludeItemRoute } from './items/conclude-item/conclude-item.route';
import { GrantExtensionHandler } from './items/grant-extension/grant-extension.command';
import { GrantExtensionRoute } from './items/grant-extension/grant-extension.route';
import { ReassignItemHandler } from './items/reassign-item/reassign-item.command';
import { ReassignItemRoute } from './items/reassign-item/reassign-item.route';
import { RefuseExtensionHandler } from './items/refuse-extension/refuse-extension.command';
import { RefuseExtensionRoute } from './items/refuse-extension/refuse-extension.route';
import { ReopenItemHandler } from './items/reopen-item/reopen-item.command';
import { ReopenItemRoute } from './items/reopen-item/reopen-item.route';
import { ReportCompletionHandler } from './items/report-completion/report-completion.command';
import { ReportCompletionRoute } from './items/report-completion/report-completion.route';
import { ReportProgressHandler } from './items/report-progress/report-progress.command';
import { ReportProgressRoute } from './items/report-progress/report-progress.route';
import { RequestExtensionHandler } from './items/request-extension/request-extension.command';
import { RequestExtensionRoute } from './items/request-extension/request-extension.route';
import { ReturnCompletionHandler } from './items/return-completion/return-completion.command';
import { ReturnCompletionRoute } from './items/return-completion/return-completion.route';
import { StrikeOffItemHandler } from './items/strike-off-item/strike-off-item.command';
import { StrikeOffItemRoute } from './items/strike-off-item/strike-off-item.route';
import { UrgeItemHandler } from './items/urge-item/urge-item.command';
import { UrgeItemRoute } from './items/urge-item/urge-item.route';
import { WithdrawItemHandler } from './items/withdraw-item/withdraw-item.command';
import { WithdrawItemRoute } from './items/withdraw-item/withdraw-item.route';
import { DecideAccountabilityHandler } from './accountability/decide-accountability/decide-accountability.command';
import { DecideAccountabilityRoute } from './accountability/decide-accountability/decide-accountability.route';
import { ReferAccountabilityHandler } from './accountability/refer-accountability/refer-accountability.command';
import { ReferAccountabilityRoute } from './accountability/refer-accountability/refer-accountability.route';
import { RevokeAccountabilityHandler } from './accountability/revoke-accountability/revoke-accountability.command';
import { RevokeAccountabilityRoute } from './accountability/revoke-accountability/revoke-accountability.route';
import { AccountCommands, SESSION_ENDER } from './accounts/account-commands.service';
import { AccountsRoute } from './accounts/accounts.routes';
import { AuthRoute } from './auth/sign-in/auth.routes';
import { SignInService } from './auth/sign-in/sign-in.service';
import { OidcRoute } from './auth/oidc/oidc.routes';
import { OidcService } from './auth/oidc/oidc.service';
import { CredentialsStore, SessionStore } from '@ledger/application';
import { ApiKeys } from './auth/api-keys/api-keys.service';
import { CLOCK, EVENT_STORE, LEDGER_CONFIG } from './platform/tokens';
import type { Clock, LedgerConfig } from '@ledger/platform';
import type { EventStore } from '@ledger/event-store';
import { AccountSubs } from './auth/account-subs';

/** Every command route of API.md, one use-case folder each (route + @nestjs/cqrs command and handler). */
export const COMMAND_CONTROLLERS: Type[] = [
  DissolveUnitRoute,
  MoveUnitRoute,
  RegisterUnitRoute,
  RenameUnitRoute,
  RegisterCadreRoute,
  TransferCadreRoute,
  IssueSheetRoute,
  AcknowledgeItemRoute,
  AssignItemRoute,
  ConcludeItemRoute,
  GrantExtensionRoute,
  ReassignItemRoute,
  RefuseExtensionRoute,
  ReopenItemRoute,
  ReportCompletionRoute,
  ReportProgressRoute,
  RequestExtensionRoute,
  ReturnCompletionRoute,
  StrikeOffItemRoute,
  UrgeItemRoute,
  WithdrawItemRoute,
  DecideAccountabilityRoute,
  ReferAccountabilityRoute,
  RevokeAccountabilityRoute,
  AccountsRoute,
  AuthRoute,
  OidcRoute,
];

export const COMMAND_HANDLERS: Provider[] = [
  { provide: CredentialsStore, useFactory: (config: LedgerConfig) => new CredentialsStore(config), inject: [LEDGER_CONFIG] },
  { provide: SessionStore, useFactory: (config: LedgerConfig) => new SessionStore(config), inject: [LEDGER_CONFIG] },
  SignInService,
  OidcService,
  ApiKeys,
  { provide: SESSION_ENDER, useExisting: SignInService },
  { provide: AccountSubs, useFactory: (store: EventStore, clock: Clock) => new AccountSubs(store, () => clock.now().getTime()), inject: [EVENT_STORE, CLOCK] },
  AccountCommands,
  DissolveUnitHandler,
  MoveUnitHandler,
  RegisterUnitHandler,
  RenameUnitHandler,
  RegisterCadreHandler,
  TransferCadreHandler,
  IssueSheetHandler,
  AcknowledgeItemHandler,
  AssignItemHandler,
  ConcludeItemHandler,
  GrantExtensionHandler,
  ReassignItemHandler,
  RefuseExtensionHandler,
  ReopenItemHandler,
  ReportCompletionHandler,
  ReportProgressHandler,
  RequestExtensionHandler,
  ReturnCompletionHandler,
  StrikeOffItemHandler,
  UrgeItemHandler,
  WithdrawItemHandler,
  DecideAccountabilityHandler,
  ReferAccountabilityHandler,
  RevokeAccountabilityHandler,
];
