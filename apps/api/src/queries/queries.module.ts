import { Module } from '@nestjs/common';
import { ListSheetsHandler } from './list-sheets/list-sheets.query';
import { ListSheetsRoute } from './list-sheets/list-sheets.route';
import { ListUnitsRoute } from './list-units/list-units.route';
import { ListUnitsHandler } from './list-units/list-units.query';
import { ListCadresRoute } from './list-cadres/list-cadres.route';
import { ListCadresHandler } from './list-cadres/list-cadres.query';
import { ListItemsRoute } from './list-items/list-items.route';
import { ListItemsHandler } from './list-items/list-items.query';
import { GetItemRoute } from './get-item/get-item.route';
import { GetItemHandler } from './get-item/get-item.query';
import { ItemHistoryRoute } from './item-history/item-history.route';
import { ItemHistoryHandler } from './item-history/item-history.query';
import { UnitOutstandingRoute } from './unit-outstanding/unit-outstanding.route';
import { UnitOutstandingHandler } from './unit-outstanding/unit-outstanding.query';
import { ChildrenOutstandingRoute } from './children-outstanding/children-outstanding.route';
import { ChildrenOutstandingHandler } from './children-outstanding/children-outstanding.query';
import { CadresOutstandingRoute } from './cadres-outstanding/cadres-outstanding.route';
import { CadresOutstandingHandler } from './cadres-outstanding/cadres-outstanding.query';
import { CadreOutstandingRoute } from './cadre-outstanding/cadre-outstanding.route';
import { CadreOutstandingHandler } from './cadre-outstanding/cadre-outstanding.query';
import { AccountabilityRegisterRoute } from './accountability-register/accountability-register.route';
import { AccountabilityRegisterHandler } from './accountability-register/accountability-register.query';
import { ReadScope } from './shared/read-scope';

/**
 * The query routes of API.md (GET, over the read models). ReadQueries, the clock and the event store
 * come from the app's global platform module. `/cadres/outstanding` is declared before `/cadres/:id/…`.
 */
@Module({
  controllers: [
    ListUnitsRoute,
    ListSheetsRoute,
    UnitOutstandingRoute,
    ChildrenOutstandingRoute,
    ListCadresRoute,
    CadresOutstandingRoute,
    CadreOutstandingRoute,
    ListItemsRoute,
    GetItemRoute,
    ItemHistoryRoute,
    AccountabilityRegisterRoute,
  ],
  providers: [
    ReadScope,
    ListUnitsHandler,
    ListSheetsHandler,
    ListCadresHandler,
    ListItemsHandler,
    GetItemHandler,
    ItemHistoryHandler,
    UnitOutstandingHandler,
    ChildrenOutstandingHandler,
    CadresOutstandingHandler,
    CadreOutstandingHandler,
    AccountabilityRegisterHandler,
  ],
})
export class QueriesModule {}
